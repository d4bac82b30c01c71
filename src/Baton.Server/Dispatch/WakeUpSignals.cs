namespace Baton.Server.Dispatch;

/// <summary>
/// In-process wake-ups keyed by a topic ("work for tenant T", "news for agent A", "logs of job J").
/// A wake-up only cuts latency: waiters still re-check the store on a bounded interval, so a
/// missed signal delays work by at most one poll interval and never loses it.
/// </summary>
/// <remarks>
/// A signal either wakes every waiter of the topic (<see cref="All"/>: a queue resumed, logs
/// written) or a counted few: N new jobs wake the N longest-waiting polls, not the whole fleet,
/// so a submission costs one claim instead of one per waiting agent (the thundering herd that
/// serialised PostgreSQL claims on the tenant's lock). A woken poll that finds work it cannot run
/// (another agent's capabilities) <see cref="Subscription.PassOn">passes</see> the wake-up to the
/// next waiter, at most once around the waiters present when it was raised.
/// </remarks>
public sealed class WakeUpSignals
{
    /// <summary>Wake every waiter of the topic.</summary>
    public const int All = int.MaxValue;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, LinkedList<Subscription>> _waiting = new(StringComparer.Ordinal);

    public const string AgentTopicPrefix = "agent:";
    public const string AssignedTopicPrefix = "assigned:";

    /// <summary>New work for the tenant: a submission, a retry, a released or expired assignment, a resumed queue.</summary>
    public static string TenantWork(string tenantId) => "work:" + tenantId;
    /// <summary>
    /// A job of the tenant ended and freed its slot: news only for claims its caps held back (ready jobs none could
    /// take); a tenant with no ready job has nothing new to claim, so its claim line need not look again.
    /// </summary>
    public static string TenantSlotFreed(string tenantId) => "freed:" + tenantId;
    public static string Agent(string agentId) => AgentTopicPrefix + agentId;
    /// <summary>A replica assigned jobs to the agent: other replicas learn that its next poll there must look at what it holds.</summary>
    public static string AgentAssigned(string agentId) => AssignedTopicPrefix + agentId;
    /// <summary>A tenant published a package version: polls that report their cache may be offered it (prefetch).</summary>
    public static string TenantPackages(string tenantId) => "packages:" + tenantId;
    public static string JobLogs(string jobId) => "logs:" + jobId;

    /// <summary>Raised for every <see cref="Signal"/> (topic, count), so a bridge can carry it to other replicas.</summary>
    public event Action<string, int>? Published;

    /// <summary>
    /// Raised for every signal this replica acts on, whether or not anyone waits: the topic, and whether it came from
    /// another replica (through a bridge) rather than this one.
    /// </summary>
    public event Action<string, bool>? Raised;

    /// <summary>Topics with at least one waiter (for tests and diagnostics).</summary>
    public int WaitingTopics
    {
        get { lock (_gate) return _waiting.Count; }
    }

    /// <summary>Wakes up to <paramref name="count"/> of this replica's waiters on the topic, and other replicas' through any bridge.</summary>
    public void Signal(string topic, int count = All)
    {
        if (count <= 0) return;
        Raised?.Invoke(topic, false);
        Wake(topic, count, hops: null);
        Published?.Invoke(topic, count);
    }

    /// <summary>Wakes this replica's waiters only (a signal that arrived from another replica).</summary>
    public void SignalLocal(string topic, int count = All)
    {
        if (count <= 0) return;
        Raised?.Invoke(topic, true);
        Wake(topic, count, hops: null);
    }

    /// <summary>
    /// Starts waiting on the topics; dispose to stop. Subscribe before looking at the store, so a
    /// signal raised while looking is not missed.
    /// </summary>
    public Subscription Subscribe(params string[] topics)
    {
        var subscription = new Subscription(this, topics.Length);
        lock (_gate)
        {
            foreach (var topic in topics)
            {
                if (!_waiting.TryGetValue(topic, out var list)) _waiting[topic] = list = new LinkedList<Subscription>();
                subscription.Nodes.Add((topic, list.AddLast(subscription)));
            }
        }
        return subscription;
    }

    private void Wake(string topic, int count, int? hops)
    {
        if (count <= 0) return;
        List<Subscription>? woken = null;
        lock (_gate)
        {
            if (!_waiting.TryGetValue(topic, out var list)) return;
            // A pass-on travels at most once around the waiters there were when the signal was raised.
            var budget = hops ?? (count == All ? 0 : list.Count);
            while (count > 0 && list.First is { } first)
            {
                var subscription = first.Value;
                Detach(subscription);
                subscription.WokenBy = topic;
                subscription.Hops = budget - 1;
                (woken ??= []).Add(subscription);
                if (count != All) count--;
            }
        }
        // Continuations run asynchronously (see the completion source's options), never under the lock.
        if (woken is not null) foreach (var subscription in woken) subscription.Completion.TrySetResult();
    }

    private void Detach(Subscription subscription)
    {
        foreach (var (topic, node) in subscription.Nodes)
        {
            if (node.List is not { } list) continue;
            list.Remove(node);
            if (list.Count == 0) _waiting.Remove(topic);
        }
        subscription.Nodes.Clear();
    }

    /// <summary>One wait on one or more topics.</summary>
    public sealed class Subscription : IDisposable
    {
        private readonly WakeUpSignals _owner;

        internal Subscription(WakeUpSignals owner, int topics)
        {
            _owner = owner;
            Nodes = new List<(string Topic, LinkedListNode<Subscription> Node)>(topics);
        }

        internal List<(string Topic, LinkedListNode<Subscription> Node)> Nodes { get; }
        internal TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        internal int Hops { get; set; }

        /// <summary>The topic whose signal woke this wait, or null while it waits.</summary>
        public string? WokenBy { get; internal set; }

        /// <summary>Completes when a signal wakes this wait.</summary>
        public Task Task => Completion.Task;

        /// <summary>
        /// Hands a counted wake-up that this waiter could not use on to the next waiter of the
        /// same topic, unless it has already been round every waiter.
        /// </summary>
        public void PassOn()
        {
            if (WokenBy is not { } topic || Hops <= 0) return;
            var hops = Hops;
            Hops = 0;
            _owner.Wake(topic, 1, hops);
        }

        /// <summary>Waits for a signal, the timeout, or cancellation; never throws on timeout.</summary>
        public async Task WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
        {
            if (timeout <= TimeSpan.Zero) return;
            try
            {
                await Task.WaitAsync(timeout, time, cancellationToken);
            }
            catch (TimeoutException)
            {
            }
        }

        public void Dispose()
        {
            lock (_owner._gate) _owner.Detach(this);
        }
    }
}
