namespace Identity.Testing;

/// <summary>One Api host for the HTTP test classes that need no special settings; each test uses its own users.</summary>
internal static class SharedApi
{
    private static ApiHost? s_host;

    internal static ApiHost Host => s_host ??= new ApiHost();

    internal static HttpClient CreateClient() => Host.CreateApiClient();

    public static async Task StopAsync()
    {
        if (s_host is not null)
        {
            await s_host.DisposeAsync();
        }
    }
}
