using System.Net;
using System.Text.Json.Nodes;
using Identity.Testing;

namespace Identity.Tests.Http;

/// <summary>The served OpenAPI document is the checked-in contract, and it says what the endpoints do.</summary>
[TestClass]
public sealed class ContractTests
{
    [TestMethod]
    public async Task The_served_document_is_the_checked_in_contract()
    {
        var served = await SharedApi.CreateClient().GetStringAsync("/openapi/v1.json");
        var checkedIn = await File.ReadAllTextAsync(RepositoryFiles.PathOf("docs", "openapi", "v1.json"));

        if (!JsonNode.DeepEquals(JsonNode.Parse(served), JsonNode.Parse(checkedIn)))
        {
            // A deliberate contract change is a visible diff: the new document is written next to the results.
            var copy = Path.Combine(RepositoryFiles.Root, "TestResults", "openapi-v1.served.json");
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            await File.WriteAllTextAsync(copy, served);
            Assert.Fail($"The served OpenAPI document differs from docs/openapi/v1.json. If the change is deliberate: cp {copy} docs/openapi/v1.json");
        }
    }

    [TestMethod]
    public async Task Every_operation_names_itself_and_its_security_and_answers_problems_as_problem_json()
    {
        var document = JsonNode.Parse(await SharedApi.CreateClient().GetStringAsync("/openapi/v1.json"))!;

        var operations = document["paths"]!.AsObject().SelectMany(path => path.Value!.AsObject().Select(op => (Name: $"{op.Key} {path.Key}", Operation: op.Value!))).ToList();
        Assert.IsGreaterThanOrEqualTo(20, operations.Count);
        foreach (var (name, operation) in operations)
        {
            Assert.IsNotNull(operation["operationId"], name);
            Assert.IsNotNull(operation["security"], name);
            var responses = operation["responses"]!.AsObject();
            foreach (var status in (string[])["500", "503"])
            {
                Assert.IsTrue(responses.ContainsKey(status), $"{name} documents {status}");
            }

            foreach (var (status, response) in responses.Where(r => r.Key[0] is '4' or '5'))
            {
                Assert.IsNotNull(response!["content"]?["application/problem+json"], $"{name} {status} is problem+json");
            }
        }
    }

    [TestMethod]
    public async Task The_contract_says_what_is_optional_and_that_numbers_are_numbers()
    {
        var schemas = JsonNode.Parse(await SharedApi.CreateClient().GetStringAsync("/openapi/v1.json"))!["components"]!["schemas"]!;

        CollectionAssert.AreEquivalent(new[] { "username", "password" }, schemas["RegisterUserRequest"]!["required"]!.AsArray().Select(n => n!.GetValue<string>()).ToArray());
        Assert.AreEqual("integer", schemas["TokenResponse"]!["properties"]!["expiresIn"]!["type"]!.GetValue<string>());
        Assert.AreEqual("object", schemas["IntrospectionForm"]!["type"]!.GetValue<string>());
    }

    [TestMethod]
    [DataRow("Development", null, HttpStatusCode.OK)]
    [DataRow("Production", null, HttpStatusCode.NotFound)]
    [DataRow("Production", "true", HttpStatusCode.OK)]
    [DataRow("Development", "false", HttpStatusCode.NotFound)]
    public async Task The_api_reference_page_is_served_in_development_or_when_configured(string environment, string? enabled, HttpStatusCode expected)
    {
        await using var host = new ApiHost(new Dictionary<string, string?> { ["environment"] = environment, ["ApiReference:Enabled"] = enabled });

        var response = await host.CreateApiClient().GetAsync("/reference/");

        Assert.AreEqual(expected, response.StatusCode);
    }
}
