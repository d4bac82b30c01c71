namespace Baton.Storage.Model;

/// <summary>Delivery states as stored (stable lower-case text), mapped in one place.</summary>
public static class DeliveryStates
{
    public static string ToText(this DeliveryState state) => state switch
    {
        DeliveryState.Pending => "pending",
        DeliveryState.Delivered => "delivered",
        DeliveryState.Failed => "failed",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };

    public static DeliveryState Parse(string text) => text switch
    {
        "pending" => DeliveryState.Pending,
        "delivered" => DeliveryState.Delivered,
        "failed" => DeliveryState.Failed,
        _ => throw new InvalidDataException($"Unknown delivery state '{text}'."),
    };
}
