using System.Text.Json.Serialization;

namespace Identity.Grains.OAuth;

/// <summary>
/// One entry of the OpenID Connect server's token store: an authorization code, a device or user
/// code, or a token the server chose to keep (grid sessions' access and refresh tokens are not
/// entries: their sessions are). The payload is the server's own encrypted token; the reference id
/// is a digest of the secret the client holds, never the secret itself.
/// </summary>
[GenerateSerializer, Alias("identity.OAuthTokenState")]
public sealed class OAuthTokenState
{
    [Id(0), JsonPropertyName("type")] public string? Type { get; set; }

    [Id(1), JsonPropertyName("status")] public string? Status { get; set; }

    [Id(2), JsonPropertyName("subject")] public string? Subject { get; set; }

    [Id(3), JsonPropertyName("applicationId")] public string? ApplicationId { get; set; }

    [Id(4), JsonPropertyName("authorizationId")] public string? AuthorizationId { get; set; }

    [Id(5), JsonPropertyName("createdAt")] public DateTimeOffset? CreationDate { get; set; }

    [Id(6), JsonPropertyName("expiresAt")] public DateTimeOffset? ExpirationDate { get; set; }

    [Id(7), JsonPropertyName("redeemedAt")] public DateTimeOffset? RedemptionDate { get; set; }

    [Id(8), JsonPropertyName("referenceId")] public string? ReferenceId { get; set; }

    [Id(9), JsonPropertyName("payload")] public string? Payload { get; set; }

    /// <summary>The server's extra properties, as the JSON object it gave.</summary>
    [Id(10), JsonPropertyName("properties")] public string? Properties { get; set; }

    /// <summary>Changes on every write: two writers of one entry cannot both succeed (the server's optimistic concurrency).</summary>
    [Id(11), JsonPropertyName("concurrencyToken")] public string? ConcurrencyToken { get; set; }

    /// <summary>
    /// The grid session this code started when it was redeemed: a second presentation of the code
    /// ends it (RFC 6749 §4.1.2). The grid's own field, kept across the server's updates.
    /// </summary>
    [Id(12), JsonPropertyName("startedSessionId")] public Guid? StartedSessionId { get; set; }

    [JsonIgnore]
    public bool Exists => Type is not null;
}
