using Baton.Server.AgentProtocol;
using Baton.Server.Dispatch;
using Baton.Server.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Baton.Server.Tests.AgentProtocol;

public sealed class HeldJobReadsTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 6, 9, 0, 0, TimeSpan.Zero));
    private readonly WakeUpSignals _signals = new();
    private readonly HeldJobReads _reads;

    public HeldJobReadsTests() => _reads = new HeldJobReads(_signals, Options.Create(new ServerOptions()), _time);

    [Fact]
    public void A_quiet_agent_is_read_on_its_first_poll_and_not_again_until_news()
    {
        Assert.True(_reads.MustRead("agent-1", []));
        Assert.False(_reads.MustRead("agent-1", []));
        _signals.Signal(WakeUpSignals.Agent("agent-1"));
        Assert.True(_reads.MustRead("agent-1", []));
        Assert.False(_reads.MustRead("agent-1", []));
    }

    [Fact]
    public void Directives_sent_are_read_and_repeated_until_a_read_finds_none()
    {
        Assert.True(_reads.MustRead("agent-1", []));
        _signals.Signal(WakeUpSignals.Agent("agent-1"));
        Assert.True(_reads.MustRead("agent-1", []));
        // The cancel went out in an answer the agent may never have received (a poll it cut short): read again.
        _reads.DirectivesSent("agent-1", cancels: 1, abandons: 0);
        Assert.True(_reads.MustRead("agent-1", []));
        _reads.DirectivesSent("agent-1", cancels: 0, abandons: 1);
        Assert.True(_reads.MustRead("agent-1", []));
        // That read found nothing left to say: quiet again.
        _reads.DirectivesSent("agent-1", cancels: 0, abandons: 0);
        Assert.False(_reads.MustRead("agent-1", []));
    }
}
