using System.Text.Json.Serialization;

namespace Identity.Grains.LoginNames;

/// <summary>Who owns a login name, and since when.</summary>
[GenerateSerializer, Alias("identity.LoginNameState")]
public sealed class LoginNameState
{
    [Id(0), JsonPropertyName("userId")] public Guid? UserId { get; set; }

    [Id(1), JsonPropertyName("claimedAt")] public DateTimeOffset ClaimedAt { get; set; }

    /// <summary>The normalized name (the grain key holds only its digest).</summary>
    [Id(2), JsonPropertyName("name")] public string? Name { get; set; }
}
