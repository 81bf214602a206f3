using Microsoft.Playwright;

namespace Identity.IntegrationTests.OpenIdConnect;

/// <summary>
/// One headless Chromium for the run, driven by Playwright through Debian's executable
/// (Playwright's own browser download is not reachable here; scripts/test.sh installs
/// <c>chromium</c>). Each test gets its own context: its own cookies, nothing shared.
/// </summary>
internal static class HeadlessChromium
{
    public const int PhoneWidth = 390;
    public const int PhoneHeight = 844;
    public const int DesktopWidth = 1280;
    public const int DesktopHeight = 800;

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static IPlaywright? s_playwright;
    private static IBrowser? s_browser;

    /// <summary>The executable: <c>CHROMIUM_PATH</c>, else Debian's.</summary>
    public static string ExecutablePath => Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    public static async Task<IBrowserContext> NewContextAsync(int width = DesktopWidth, int height = DesktopHeight)
    {
        var browser = await BrowserAsync();
        return await browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = width, Height = height },
            DeviceScaleFactor = 1,
            IsMobile = width < 600,
            HasTouch = width < 600,
            Locale = "en-GB",
            ColorScheme = ColorScheme.Light,
        });
    }

    private static async Task<IBrowser> BrowserAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (s_browser is { IsConnected: true })
            {
                return s_browser;
            }

            if (!File.Exists(ExecutablePath))
            {
                Assert.Fail($"The browser tests need Chromium at {ExecutablePath}: install it (Debian/Ubuntu: apt-get install chromium; scripts/test.sh does) or set CHROMIUM_PATH.");
            }

            s_playwright ??= await Playwright.CreateAsync();
            s_browser = await s_playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ExecutablePath,
                Headless = true,
                // Root in CI: Chromium's sandbox needs an unprivileged user.
                Args = ["--no-sandbox", "--disable-dev-shm-usage"],
                Timeout = 60_000,
            });
            return s_browser;
        }
        finally
        {
            Gate.Release();
        }
    }

    public static async Task StopAsync()
    {
        if (s_browser is not null)
        {
            await s_browser.CloseAsync();
        }

        s_playwright?.Dispose();
    }
}
