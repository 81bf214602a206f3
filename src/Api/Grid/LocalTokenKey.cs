using System.Security.Cryptography;
using Identity.Grains.Sessions;
using Identity.Grains.Storage;

namespace Identity.Api.Grid;

/// <summary>
/// The zero-setup default for token keys: a co-hosted Api (a grid of one) with no
/// <c>TokenKeys</c> configured signs with a key of its own — kept in <c>TokenKeys:LocalKeyFile</c>
/// (default <c>.data/token-key</c>, created readable by its owner only) so tokens survive a restart,
/// or, with in-memory storage, a key that lives as long as the sessions do. A grid of several nodes
/// must configure the same keys on every node; nothing is generated there.
/// </summary>
internal static class LocalTokenKey
{
    public const string KeyFileSetting = TokenKeyOptions.Section + ":LocalKeyFile";
    private const int KeyId = 0;

    public static void UseLocalTokenKeyWhenNoneConfigured(this WebApplicationBuilder builder)
    {
        if (builder.Configuration.GetSection($"{TokenKeyOptions.Section}:Keys").GetChildren().Any())
        {
            return;
        }

        var storage = builder.Configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        var secret = storage.Mode == StorageMode.Memory
            ? Convert.ToBase64String(RandomNumberGenerator.GetBytes(TokenKeyOptions.MinimumKeyBytes))
            : ReadOrCreate(builder.Configuration[KeyFileSetting] is { Length: > 0 } file ? file : Path.Combine(".data", "token-key"));
        builder.Configuration.AddInMemoryCollection(
        [
            new($"{TokenKeyOptions.Section}:Keys:0:Id", KeyId.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new($"{TokenKeyOptions.Section}:Keys:0:Secret", secret),
        ]);
    }

    /// <summary>The key in <paramref name="path"/>; a new random one, written with mode 0600 from creation, when there is none.</summary>
    internal static string ReadOrCreate(string path) =>
        ReadOrCreate(path, static () => Convert.ToBase64String(RandomNumberGenerator.GetBytes(TokenKeyOptions.MinimumKeyBytes)));

    /// <summary>The secret in <paramref name="path"/>; one made by <paramref name="create"/>, written with mode 0600 from creation, when there is none.</summary>
    internal static string ReadOrCreate(string path, Func<string> create)
    {
        if (File.Exists(path))
        {
            return File.ReadAllText(path).Trim();
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var secret = create();
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using var writer = new StreamWriter(path, options);
            writer.Write(secret);
            return secret;
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process created it first: use theirs.
            return File.ReadAllText(path).Trim();
        }
    }
}
