namespace Baton.Core.Api;

/// <summary>GET /api/v1/system/metrics: this replica's families as they are now.</summary>
public sealed record SystemMetricsResponse(string Replica, DateTimeOffset At, DateTimeOffset? FleetReadAt, IReadOnlyList<MetricFamilyDto> Families);

/// <summary>One family; <see cref="Type"/> is counter, gauge or histogram.</summary>
public sealed record MetricFamilyDto(string Name, string Type, string Help, IReadOnlyList<MetricSeriesDto> Series);

/// <summary>One series: its labels and value (a histogram's value is its count; <see cref="Count"/> and <see cref="Sum"/> are set for histograms).</summary>
public sealed record MetricSeriesDto(IReadOnlyDictionary<string, string> Labels, double Value, double? Count, double? Sum);
