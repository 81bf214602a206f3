using System.Text.Json;

namespace Identity.Bench;

/// <summary>
/// The bare reference: a separate process with nothing but Kestrel (slim builder, no middleware,
/// no logging, no authentication) answering the same session document as a fixed body. What the
/// machine can serve at all; the headline ratio of the benchmark is validation against this.
/// </summary>
internal static class BareKestrel
{
    public static async Task<int> RunAsync(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
        var app = builder.Build();
        var body = JsonSerializer.SerializeToUtf8Bytes(BenchHost.Constant, BenchHost.ConstantJson);
        app.MapGet("/", (HttpContext context) =>
        {
            context.Response.ContentType = "application/json; charset=utf-8";
            context.Response.ContentLength = body.Length;
            return context.Response.Body.WriteAsync(body).AsTask();
        });
        await app.RunAsync();
        return 0;
    }
}
