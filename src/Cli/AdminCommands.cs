using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Identity.Cli;

/// <summary>
/// <c>identity users …</c>: the admin API from a terminal. The account is named by its id, its
/// username, or its email (anything with an '@'). Where and as whom: <c>IDENTITY_URL</c> (default
/// <c>http://localhost:5000</c>), <c>IDENTITY_OPERATOR</c> and <c>IDENTITY_OPERATOR_SECRET</c>.
/// Exit status: 0 done, 1 refused or failed (the API's problem is printed), 2 wrong usage.
/// </summary>
internal static class AdminCommands
{
    private const string Usage = """
        usage: identity users <command> <user> [session id]
          show <user>                      the account: status, last login, lockout, sessions
          disable <user>                   refuse its logins and end every session
          enable <user>                    allow logins again
          unlock <user>                    clear failed-login counts and blocks
          require-password-change <user>   end every session; logins say a new password is due
          reset-second-factors <user>      remove its authenticator app, passkeys and recovery codes; end every session
          sessions <user>                  its live sessions
          end-sessions <user> [session id] end one session, or all
          erase <user> --yes               delete the account and everything of it (GDPR)
        <user> is an account id, a username or an email.
        environment: IDENTITY_URL (default http://localhost:5000), IDENTITY_OPERATOR, IDENTITY_OPERATOR_SECRET
        """;

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static async Task<int> RunAsync(string[] args, Func<string, string?> environment, TextWriter output, TextWriter errors, HttpMessageHandler? handler = null)
    {
        if (args is not ["users", var command, var user, .. var rest] || !Commands.Contains(command))
        {
            await errors.WriteLineAsync(Usage);
            return 2;
        }

        if (environment("IDENTITY_OPERATOR") is not { Length: > 0 } operatorId || environment("IDENTITY_OPERATOR_SECRET") is not { Length: > 0 } secret)
        {
            await errors.WriteLineAsync("Set IDENTITY_OPERATOR and IDENTITY_OPERATOR_SECRET to an operator's id and secret (Admin:Operators of the service).");
            return 2;
        }

        if (command == "erase" && !rest.Contains("--yes"))
        {
            await errors.WriteLineAsync($"erase deletes {user} and everything of it for good: add --yes.");
            return 2;
        }

        var baseAddress = environment("IDENTITY_URL") is { Length: > 0 } url ? url : "http://localhost:5000";
        using var http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        http.BaseAddress = new Uri(baseAddress.TrimEnd('/') + "/");
        http.Timeout = TimeSpan.FromSeconds(30);
        // RFC 6749 §2.3.1: id and secret are form-urlencoded before Basic encoding, as the service expects.
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Uri.EscapeDataString(operatorId)}:{Uri.EscapeDataString(secret)}")));

        try
        {
            var found = await SendAsync(http, HttpMethod.Get, FindPath(user), errors);
            if (found is null)
            {
                return 1;
            }

            var userId = found.Value.GetProperty("userId").GetString()!;
            var (method, path) = command switch
            {
                "show" => (null, null),
                "sessions" => (HttpMethod.Get, $"admin/v1/users/{userId}/sessions"),
                "end-sessions" => (HttpMethod.Delete, rest.FirstOrDefault(r => r != "--yes") is { } session
                    ? $"admin/v1/users/{userId}/sessions/{Uri.EscapeDataString(session)}"
                    : $"admin/v1/users/{userId}/sessions"),
                "erase" => (HttpMethod.Delete, $"admin/v1/users/{userId}"),
                _ => (HttpMethod.Post, $"admin/v1/users/{userId}/{command}"),
            };
            var answer = method is null ? found : await SendAsync(http, method, path!, errors);
            if (answer is null)
            {
                return 1;
            }

            await output.WriteLineAsync(answer.Value.ValueKind == JsonValueKind.Undefined
                ? $"{command}: done ({user}, {userId})"
                : JsonSerializer.Serialize(answer.Value, Indented));
            return 0;
        }
        catch (HttpRequestException ex)
        {
            await errors.WriteLineAsync($"Cannot reach the service at {baseAddress}: {ex.Message} (set IDENTITY_URL).");
            return 1;
        }
    }

    private static readonly string[] Commands = ["show", "disable", "enable", "unlock", "require-password-change", "reset-second-factors", "sessions", "end-sessions", "erase"];

    private static string FindPath(string user) =>
        Guid.TryParse(user, out var id) ? $"admin/v1/users/{id}"
        : user.Contains('@', StringComparison.Ordinal) ? $"admin/v1/users?email={Uri.EscapeDataString(user)}"
        : $"admin/v1/users?username={Uri.EscapeDataString(user)}";

    /// <summary>The answer's JSON (Undefined for 204), or null after printing the problem the service gave.</summary>
    private static async Task<JsonElement?> SendAsync(HttpClient http, HttpMethod method, string path, TextWriter errors)
    {
        using var response = await http.SendAsync(new HttpRequestMessage(method, path));
        var body = await response.Content.ReadAsStringAsync();
        if (response.IsSuccessStatusCode)
        {
            return response.StatusCode == HttpStatusCode.NoContent || body.Length == 0 ? default(JsonElement) : JsonDocument.Parse(body).RootElement.Clone();
        }

        var problem = TryParse(body);
        var title = problem?.TryGetProperty("title", out var t) == true ? t.GetString() : response.ReasonPhrase;
        var detail = problem?.TryGetProperty("detail", out var d) == true ? d.GetString() : null;
        await errors.WriteLineAsync($"{(int)response.StatusCode} {title}{(detail is null ? "" : $" {detail}")}");
        return null;
    }

    private static JsonElement? TryParse(string body)
    {
        try
        {
            return body.Length == 0 ? null : JsonDocument.Parse(body).RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
