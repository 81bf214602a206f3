using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Identity.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Identity.Tests.Http;

/// <summary>Health, the OpenAPI document, and what any endpoint does with bad input.</summary>
[TestClass]
public sealed class PlatformApiTests
{
    private static HttpClient s_client = null!;

    [ClassInitialize]
    public static void Connect(TestContext _) => s_client = SharedApi.CreateClient();

    [TestMethod]
    [DataRow("/health/live")]
    [DataRow("/health/ready")]
    public async Task Health_endpoints_are_200_when_the_grid_answers(string path)
    {
        var response = await s_client.GetAsync(path);

        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.AreEqual("Healthy", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
    }

    [TestMethod]
    public async Task Only_endpoints_that_require_a_session_check_the_bearer_header()
    {
        // Were every request's bearer header checked (logins, health: anything), the ended session's
        // token below would be checked 100 times and its failure budget spent: 429, not 401.
        var (_, tokens) = await s_client.SignUpAndLoginAsync();
        Assert.AreEqual(HttpStatusCode.OK, (await s_client.GetCurrentAsync(tokens.AccessToken)).StatusCode);
        Assert.AreEqual(HttpStatusCode.NoContent, (await s_client.SendAsync(HttpMethod.Delete, "/v1/sessions/current", tokens.AccessToken)).StatusCode);

        for (var i = 0; i < 100; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/health/live");
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", tokens.AccessToken);
            Assert.AreEqual(HttpStatusCode.OK, (await s_client.SendAsync(request)).StatusCode);
        }

        Assert.AreEqual(HttpStatusCode.Unauthorized, (await s_client.GetCurrentAsync(tokens.AccessToken)).StatusCode);
    }

    [TestMethod]
    public async Task The_openapi_document_lists_every_v1_operation()
    {
        var document = await s_client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        foreach (var path in (string[])["/v1/users", "/v1/sessions", "/v1/sessions/current", "/v1/sessions/refresh", "/v1/users/me/sessions", "/v1/users/me/sessions/{sessionId}", "/v1/users/me/password", "/v1/introspect"])
        {
            CollectionAssert.Contains(paths, path);
        }
    }

    [TestMethod]
    [DataRow("/v1/users")]
    [DataRow("/v1/sessions")]
    [DataRow("/v1/sessions/refresh")]
    public async Task Malformed_json_is_400_problem_json(string path)
    {
        var response = await s_client.PostAsync(path, new StringContent("{\"username\": ", Encoding.UTF8, "application/json"));

        Assert.AreEqual(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.ProblemAsync();
        Assert.IsFalse(problem.ToString().Contains("   at ", StringComparison.Ordinal), "no stack trace");
    }

    [TestMethod]
    [DataRow("/v1/users", "{\"username\": 42, \"password\": \"correct horse battery\"}", "username")]
    [DataRow("/v1/sessions", "{\"username\": \"bob\", \"password\": [1]}", "password")]
    [DataRow("/v1/sessions/refresh", "{\"refreshToken\": {}}", "refreshToken")]
    public async Task A_field_of_the_wrong_type_is_400_naming_it(string path, string json, string field)
    {
        var response = await s_client.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));

        Assert.AreEqual(HttpStatusCode.BadRequest, response.StatusCode);
        CollectionAssert.AreEqual((string[])[field], (await response.ErrorFieldsAsync()).ToArray());
    }

    [TestMethod]
    [DataRow("/v1/users")]
    [DataRow("/v1/sessions")]
    public async Task An_empty_or_null_body_is_400(string path)
    {
        var empty = await s_client.PostAsync(path, new StringContent(string.Empty, Encoding.UTF8, "application/json"));
        var nullBody = await s_client.PostAsync(path, new StringContent("null", Encoding.UTF8, "application/json"));

        Assert.AreEqual(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.AreEqual(HttpStatusCode.BadRequest, nullBody.StatusCode);
        await empty.ProblemAsync();
    }

    [TestMethod]
    public async Task A_body_that_is_not_json_is_415()
    {
        var response = await s_client.PostAsync("/v1/sessions", new StringContent("username=bob", Encoding.UTF8, "text/plain"));

        Assert.AreEqual(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        await response.ProblemAsync();
    }

    [TestMethod]
    public async Task A_body_over_16_KiB_is_413_whether_declared_or_chunked()
    {
        var json = "{\"username\":\"" + new string('a', 17 * 1024) + "\",\"password\":\"x\"}";
        // Expect: 100-continue lets the server refuse before the client streams the body, as a
        // well-behaved client would; without it the refusal can race the upload.
        var declaredRequest = new HttpRequestMessage(HttpMethod.Post, "/v1/users") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        declaredRequest.Headers.ExpectContinue = true;
        var declared = await s_client.SendAsync(declaredRequest);
        var chunkedContent = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(json)));
        chunkedContent.Headers.ContentType = new("application/json");
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/sessions") { Content = chunkedContent };
        request.Headers.TransferEncodingChunked = true;
        request.Headers.ExpectContinue = true;
        var chunked = await s_client.SendAsync(request);

        Assert.AreEqual(HttpStatusCode.RequestEntityTooLarge, declared.StatusCode);
        Assert.AreEqual(HttpStatusCode.RequestEntityTooLarge, chunked.StatusCode);
        await declared.ProblemAsync();
        await chunked.ProblemAsync();
    }

    [TestMethod]
    public async Task Unknown_routes_and_wrong_methods_are_problem_json()
    {
        var unknown = await s_client.GetAsync("/v1/nothing-here");
        var wrongMethod = await s_client.GetAsync("/v1/users");

        Assert.AreEqual(HttpStatusCode.NotFound, unknown.StatusCode);
        await unknown.ProblemAsync();
        Assert.AreEqual(HttpStatusCode.MethodNotAllowed, wrongMethod.StatusCode);
        await wrongMethod.ProblemAsync();
    }
}
