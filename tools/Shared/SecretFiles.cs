namespace Identity.DevTools;

/// <summary>Files holding secrets (passwords, private keys), shared by the developer tools (linked into each).</summary>
internal static class SecretFiles
{
    /// <summary>Creates <paramref name="path"/> readable by its owner only from the start (never written first and chmod'ed after).</summary>
    public static void Write(string path, string secret)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var writer = new StreamWriter(path, options);
        writer.Write(secret);
    }
}
