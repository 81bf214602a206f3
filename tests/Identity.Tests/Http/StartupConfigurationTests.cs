using Identity.Testing;
using Microsoft.Extensions.Options;

namespace Identity.Tests.Http;

/// <summary>Bad configuration stops the process at start-up with a message naming the setting.</summary>
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
    public async Task The_process_refuses_to_start_and_names_the_bad_setting(string key, string value)
    {
        await using var host = new ApiHost(new Dictionary<string, string?> { [key] = value });

        var error = Assert.Throws<OptionsValidationException>(() => host.CreateApiClient());

        StringAssert.Contains(error.Message, key.Replace(":0:ClientId", ":0", StringComparison.Ordinal));
    }
}
