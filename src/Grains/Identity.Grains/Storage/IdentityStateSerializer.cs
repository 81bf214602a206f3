using System.Text.Json;
using System.Text.Json.Serialization;
using Orleans.Storage;

namespace Identity.Grains.Storage;

/// <summary>
/// Persists grain state as camelCase JSON. JSON carries no type names, so the stored format
/// survives class renames, and operators (and the storage schema) can read it.
/// </summary>
public sealed class IdentityStateSerializer : IGrainStorageSerializer
{
    internal static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public BinaryData Serialize<T>(T? input) => BinaryData.FromObjectAsJson(input, Options);

    public T? Deserialize<T>(BinaryData input) => input.ToObjectFromJson<T>(Options);
}
