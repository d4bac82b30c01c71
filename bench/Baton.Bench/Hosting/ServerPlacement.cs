namespace Baton.Bench.Hosting;

/// <summary>Where the server under test runs, which decides what the process figures cover.</summary>
public enum ServerPlacement
{
    /// <summary>A child process started by the bench: server figures cover the server only.</summary>
    ChildProcess,

    /// <summary>Inside the bench process (<c>--in-process</c>): server figures include the simulators.</summary>
    InProcess,

    /// <summary>A running server given by URL: its figures are measured on its own host.</summary>
    Remote,
}
