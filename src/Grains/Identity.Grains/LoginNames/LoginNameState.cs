using System.Text.Json.Serialization;

namespace Identity.Grains.LoginNames;

/// <summary>Who owns a login name, and since when.</summary>
[GenerateSerializer, Alias("identity.LoginNameState")]
public sealed class LoginNameState
{
    [Id(0), JsonPropertyName("userId")] public Guid? UserId { get; set; }

    [Id(1), JsonPropertyName("claimedAt")] public DateTimeOffset ClaimedAt { get; set; }
}
