using Identity.Testing;

namespace Identity.Tests.Http;

/// <summary>Bad configuration stops the process at start-up: exit status 1 and one line naming the setting.</summary>
[TestClass]
public sealed class StartupConfigurationTests
{
    [TestMethod]
    [DataRow("Sessions:IdleTimeout", "-1.00:00:00")]
    [DataRow("Passwords:MemoryKiB", "1024")]
    [DataRow("LoginThrottle:AccountCeiling", "101")]
    [DataRow("RateLimiting:LoginPerMinute", "-5")]
    [DataRow("RateLimiting:FailedTokenChecksPerMinute", "-1")]
    [DataRow("Introspection:Clients:0:ClientId", "no-secret-configured")]
    [DataRow("RateLimiting:RefreshesPerMinute", "-1")]
    [DataRow("TokenKeys:Keys:0:Secret", "dG9vLXNob3J0")]
    [DataRow("Tls:Certificate", "/no/such/certificate.crt")]
    [DataRow("ForwardedHeaders:KnownProxies:0", "not-an-address")]
    [DataRow("Browsers:AllowedOrigins:0", "https://app.example.com/with/a/path")]
    [DataRow("Browsers:AllowedOrigins:0", "https://*.example.com")]
    [DataRow("Browsers:PreflightMaxAge", "2.00:00:00")]
    [DataRow("Introspection:Clients:0:Audience", "two words")]
    [DataRow("OpenIdConnect:EncryptionKey", "dG9vLXNob3J0")]
    [DataRow("OpenIdConnect:JwtAccessTokenLifetime", "02:00:00")]
    [DataRow("OpenIdConnect:DeviceCodeLifetime", "01:00:00")]
    [DataRow("Email:From", "not an address")]
    public async Task The_process_refuses_to_start_and_names_the_bad_setting(string key, string value)
    {
        var (exitCode, error) = await ApiStartup.RefusalAsync(new Dictionary<string, string?> { [key] = value });

        Assert.AreEqual(1, exitCode);
        StringAssert.StartsWith(error, "identity-api cannot start: ");
        StringAssert.Contains(error, key.Replace(":0:ClientId", ":0", StringComparison.Ordinal));
        Assert.HasCount(1, error.Split('\n', StringSplitOptions.RemoveEmptyEntries), error);
    }

    [TestMethod]
    public async Task The_dashboard_without_any_operator_is_refused()
    {
        var (exitCode, error) = await ApiStartup.RefusalAsync(new Dictionary<string, string?>
        {
            ["Management:Urls"] = $"http://127.0.0.1:{Ports.Free()}",
            ["Management:Dashboard"] = "true",
        });

        Assert.AreEqual(1, exitCode);
        StringAssert.Contains(error, "Admin:Operators");
    }
}
