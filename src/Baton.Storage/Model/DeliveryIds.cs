using Baton.Core;

namespace Baton.Storage.Model;

/// <summary>Delivery ids: time-ordered (UUIDv7), so newest-first listing is by id.</summary>
public static class DeliveryIds
{
    public static string New(DateTimeOffset now) => SortableIds.New("wd_", now);
}
