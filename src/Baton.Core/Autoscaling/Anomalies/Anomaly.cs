namespace Baton.Core.Autoscaling.Anomalies;

/// <summary>Kinds of anomaly (seed 10.4), as stored and shown.</summary>
public static class AnomalyKinds
{
    /// <summary>A reading jumped far outside its window and has not lasted (yet).</summary>
    public const string Spike = "spike";
    /// <summary>One tenant far outside its own history; its excess is not scaled for.</summary>
    public const string TenantOutlier = "tenant-outlier";
    /// <summary>Most jobs failing within seconds: more agents would only fail faster.</summary>
    public const string FailureStorm = "failure-storm";
    /// <summary>Requests from one API key or address far above the others and its own history.</summary>
    public const string RequestFlood = "request-flood";
    /// <summary>Authentication failures from one key or address: guessing or a broken client.</summary>
    public const string AuthFailureFlood = "auth-failure-flood";
}

/// <summary>One detected anomaly: what, about whom (tenant id, <c>key:ID</c>, <c>address:IP</c> or a reading), how unusual, and what was done.</summary>
public sealed record Anomaly(DateTimeOffset At, string Kind, string Subject, double Value, double Usual, double Score, string Detail);
