namespace Identity.Testing;

/// <summary>The token key every test grid and test process shares, so tokens survive restarts and cross processes.</summary>
internal static class TestKeys
{
    /// <summary>32 bytes, base64. A test value: never used outside tests.</summary>
    public const string Secret = "dGVzdC1vbmx5LXRva2VuLWtleS0wMTIzNDU2Nzg5YWI=";

    /// <summary>As configuration keys (<c>TokenKeys:Keys:0:…</c>).</summary>
    public static readonly IReadOnlyDictionary<string, string?> Settings = new Dictionary<string, string?>
    {
        ["TokenKeys:Keys:0:Id"] = "7",
        ["TokenKeys:Keys:0:Secret"] = Secret,
    };

    /// <summary>As environment variables of a process (<c>TokenKeys__Keys__0__…</c>).</summary>
    public static IEnumerable<KeyValuePair<string, string>> Environment =>
        Settings.Select(s => KeyValuePair.Create(s.Key.Replace(":", "__", StringComparison.Ordinal), s.Value!));
}
