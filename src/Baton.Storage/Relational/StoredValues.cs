using System.Collections.Frozen;
using System.Data;
using System.Globalization;
using System.Text.Json;
using Baton.Core.AgentProtocol;
using Baton.Core.Packages;
using Baton.Core.Tenancy;
using Baton.Storage.Model;
using Baton.Storage.Serialization;
using Dapper;

namespace Baton.Storage.Relational;

/// <summary>
/// The value types of the shared rows and parameters, bound the way each backend stores them. Dapper's
/// handlers are process-wide, so one handler per type serves every backend: it asks the parameter's
/// backend (<see cref="IValueBinder"/>, registered per ADO.NET parameter type) how to bind, and reads
/// back whichever form the backend returns (unix milliseconds or <c>timestamptz</c>, JSON text or arrays).
/// </summary>
internal static class StoredValues
{
    private static readonly Lock Gate = new();
    private static FrozenDictionary<Type, IValueBinder> _binders = FrozenDictionary<Type, IValueBinder>.Empty;

    /// <summary>Registers a backend's binder for parameters of type <typeparamref name="TParameter"/> (idempotent).</summary>
    public static void Register<TParameter>(IValueBinder binder) where TParameter : IDbDataParameter
    {
        lock (Gate)
        {
            if (_binders.ContainsKey(typeof(TParameter))) return;
            var first = _binders.Count == 0;
            _binders = new Dictionary<Type, IValueBinder>(_binders) { [typeof(TParameter)] = binder }.ToFrozenDictionary();
            if (!first) return;
            // Dapper binds the types of its built-in map itself and asks no handler, so times leave that map.
            SqlMapper.RemoveTypeMap(typeof(DateTimeOffset));
            SqlMapper.RemoveTypeMap(typeof(DateTimeOffset?));
            // Times: whole milliseconds, UTC, whatever the backend keeps.
            Add<DateTimeOffset>((binder, parameter, value) => binder.BindTime(parameter, value is DateTimeOffset time ? Truncate(time) : null), value => value switch
            {
                long ms => DateTimeOffset.FromUnixTimeMilliseconds(ms),
                DateTime utc => Truncate(new DateTimeOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc))),
                DateTimeOffset time => Truncate(time),
                _ => throw new InvalidDataException($"Cannot read a time from {value.GetType().Name}."),
            });
            Add<JsonText>((binder, parameter, value) => binder.BindJson(parameter, value is JsonText json ? json.Text : null), value => new JsonText((string)value));
            Add<TextList>((binder, parameter, value) => binder.BindTextList(parameter, value is TextList list ? list.Items : null), value => new TextList(TextItems(value)));
            Add<ValueList>((binder, parameter, value) => binder.BindValueList(parameter, ((ValueList)value).Items), read: null);
            // A record's values kept in JSON columns, read from the column's text and bound as JSON.
            Json(text => StoredJson.ParseElement(text), value => StoredJson.ToText((JsonElement)value));
            Json(StoredJson.DeserializeOrNull<JobProgressReport>, StoredJson.Serialize);
            Json(StoredJson.Deserialize<PackageManifest>, StoredJson.Serialize);
            Json(StoredJson.Deserialize<QuotaOverrides>, StoredJson.Serialize);
            Json(StoredJson.Deserialize<AgentCapabilities>, StoredJson.Serialize);
            Json(StoredJson.Deserialize<AgentResources>, StoredJson.Serialize);
            // Dapper fills a record's constructor only from columns of the parameters' exact types, or of types it has a
            // handler for: SQLite returns every integer as a long and flags as 0 or 1, and text lists are arrays on PostgreSQL
            // and JSON on SQLite. Dapper binds int and bool parameters itself (its own map comes first); a text list is
            // written as a TextList or JsonText, which names the column's form.
            Add<int>(bind: null, value => Convert.ToInt32(value, CultureInfo.InvariantCulture));
            Add<bool>(bind: null, value => value is bool flag ? flag : Convert.ToInt64(value, CultureInfo.InvariantCulture) != 0);
            Add<IReadOnlyList<string>>(bind: null, TextItems);
            // A calendar's working days ("mon,tue,…") and holidays (a JSON array of dates), as ScheduleText stores them.
            Add<IReadOnlyList<DayOfWeek>>(bind: null, value => ScheduleText.WorkingDaysFromText((string)value));
            Add<IReadOnlyList<DateOnly>>(bind: null, value => ScheduleText.HolidaysFromJson((string)value));
        }
    }

    private static void Add<T>(Action<IValueBinder, IDbDataParameter, object>? bind, Func<object, object?>? read) =>
        SqlMapper.AddTypeHandler(typeof(T), new Handler(bind, read));

    private static void Json<T>(Func<string, T> read, Func<object, string> write) =>
        Add<T>((binder, parameter, value) => binder.BindJson(parameter, value is DBNull ? null : write(value)), value => read((string)value));

    private static IValueBinder BinderOf(IDbDataParameter parameter) =>
        _binders.TryGetValue(parameter.GetType(), out var binder)
            ? binder
            : throw new InvalidOperationException($"No stored-value binder for {parameter.GetType().Name}.");

    /// <summary>
    /// A stored value type: how the parameter's backend binds it (null: a type Dapper only reads through a handler, see
    /// <see cref="Register{TParameter}"/>), and how it is read back (null: a parameter only).
    /// </summary>
    private sealed class Handler(Action<IValueBinder, IDbDataParameter, object>? bind, Func<object, object?>? read) : SqlMapper.ITypeHandler
    {
        public void SetValue(IDbDataParameter parameter, object value) =>
            (bind ?? throw new NotSupportedException($"A {value.GetType().Name} parameter is bound as a TextList or JsonText."))(BinderOf(parameter), parameter, value);

        public object? Parse(Type destinationType, object value) =>
            (read ?? throw new NotSupportedException($"{destinationType.Name} values are parameters only."))(value);
    }

    /// <summary>A text list as a backend returns it: a <c>text[]</c>, or a JSON array.</summary>
    private static string[] TextItems(object value) => value switch
    {
        string[] items => items,
        string json => StoredJson.Deserialize<string[]>(json),
        _ => throw new InvalidDataException($"Cannot read a text list from {value.GetType().Name}."),
    };

    /// <summary>A time as both backends keep it: whole milliseconds, so data, cursors and comparisons behave the same on each.</summary>
    public static DateTimeOffset Truncate(DateTimeOffset value) => DateTimeOffset.FromUnixTimeMilliseconds(value.ToUnixTimeMilliseconds());
}

/// <summary>How one backend binds the stored value types; null binds SQL NULL of the value's column type.</summary>
internal interface IValueBinder
{
    void BindTime(IDbDataParameter parameter, DateTimeOffset? value);
    void BindJson(IDbDataParameter parameter, string? json);
    void BindTextList(IDbDataParameter parameter, IReadOnlyList<string>? items);

    /// <summary>Binds a <see cref="ValueList"/>'s items: text, integers, flags or times (whole milliseconds), nulls allowed.</summary>
    void BindValueList(IDbDataParameter parameter, Array items);
}

/// <summary>A JSON document for a JSON column (<c>jsonb</c> on PostgreSQL, text on SQLite).</summary>
internal readonly record struct JsonText(string Text)
{
    public static JsonText Of<T>(T value) => new(StoredJson.Serialize(value));

    public static JsonText? OfOrNull<T>(T? value) where T : class => value is null ? null : Of(value);
}

/// <summary>A list of text: a <c>text[]</c> on PostgreSQL, a JSON array on SQLite.</summary>
internal readonly record struct TextList(IReadOnlyList<string> Items)
{
    public static TextList? OfOrNull(IReadOnlyList<string>? items) => items is null ? null : new TextList(items);
}

/// <summary>
/// One column of a batch of rows as one parameter (for <see cref="SqlDialect.RowsOf"/> and the batch statements of
/// <see cref="JobSql"/>): text, integers, flags or times, nulls allowed; an array on PostgreSQL, a JSON array on SQLite.
/// </summary>
internal readonly record struct ValueList(Array Items)
{
    public static ValueList Of<T>(IEnumerable<T> items) => new(items.ToArray());
}
