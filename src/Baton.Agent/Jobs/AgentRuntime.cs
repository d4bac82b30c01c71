using Baton.Agent.Packages;
using Baton.Agent.Protocol;
using Baton.Agent.Python;
using Microsoft.Extensions.Logging;

namespace Baton.Agent.Jobs;

/// <summary>The agent-wide services one job execution uses.</summary>
internal sealed record AgentRuntime(
    AgentOptions Options,
    AgentProtocolClient Client,
    PackageCache Packages,
    VirtualEnvironmentManager VirtualEnvironments,
    PythonJobRunner Runner,
    IReadOnlyList<PythonInterpreter> Interpreters,
    string RuntimeDirectory,
    string WorkRoot,
    TimeProvider TimeProvider,
    ILoggerFactory LoggerFactory,
    CompletionClaims Claims,
    JobChannel? Channel = null);
