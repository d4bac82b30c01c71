using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.OpenApi;

namespace Baton.Server.Api;

/// <summary>
/// Marks an endpoint that can answer with server-sent events (alone, or beside its JSON answer when the caller asks
/// for a stream), described for people in <paramref name="Description"/>.
/// </summary>
public sealed record EventStreamResponse(string Description);

/// <summary>
/// The success responses that are not one JSON document, so a generated client knows what comes back: file downloads
/// and answers without a body (the built-in response metadata, as <c>.Produces&lt;T&gt;()</c> declares the JSON ones),
/// and server-sent events.
/// </summary>
public static class SuccessResponses
{
    public const string EventStream = "text/event-stream";

    /// <summary>
    /// A <c>text/event-stream</c> of server-sent events (read as text). Its own marker rather than response metadata:
    /// the API explorer keeps one response type per status, and the job log answers 200 as JSON or as a stream.
    /// </summary>
    public static RouteHandlerBuilder ProducesEventStream(this RouteHandlerBuilder builder, string description) =>
        builder.WithMetadata(new EventStreamResponse(description));

    /// <summary>A file download: the bytes in <paramref name="contentType"/>.</summary>
    public static RouteHandlerBuilder ProducesFile(this RouteHandlerBuilder builder, string contentType, string description) =>
        builder.WithMetadata(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(Stream), [contentType]) { Description = description });

    /// <summary>204: done, nothing to say.</summary>
    public static RouteHandlerBuilder ProducesNoContent(this RouteHandlerBuilder builder) => builder.Produces(StatusCodes.Status204NoContent);

    /// <summary>
    /// Completes an operation's success responses: the descriptions given with the response metadata (the document
    /// generator leaves them at the reason phrase) and the event stream beside or instead of a JSON 200.
    /// </summary>
    internal static void Describe(OpenApiOperation operation, IList<object> metadata)
    {
        operation.Responses ??= new OpenApiResponses();
        foreach (var produced in metadata.OfType<IProducesResponseTypeMetadata>())
        {
            if (produced.Description is { Length: > 0 } text
                && operation.Responses.TryGetValue(produced.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture), out var found)
                && found is OpenApiResponse response)
            {
                response.Description = text;
            }
        }
        if (metadata.OfType<EventStreamResponse>().FirstOrDefault() is not { } stream) return;
        var ok = operation.Responses.TryGetValue("200", out var existing) && existing is OpenApiResponse json ? json : new OpenApiResponse();
        ok.Description = ok.Content is { Count: > 0 } ? $"JSON, or {char.ToLowerInvariant(stream.Description[0])}{stream.Description[1..]}" : stream.Description;
        ok.Content ??= new Dictionary<string, OpenApiMediaType>();
        ok.Content[EventStream] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String } };
        operation.Responses["200"] = ok;
    }
}
