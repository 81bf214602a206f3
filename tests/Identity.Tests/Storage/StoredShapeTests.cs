using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using Identity.Contracts.Sessions;
using Identity.Grains.LoginNames;
using Identity.Grains.OAuth;
using Identity.Grains.Sessions;
using Identity.Grains.Storage;
using Identity.Grains.Users;
using Identity.Testing;

namespace Identity.Tests.Storage;

/// <summary>
/// The JSON each persisted state type is stored as, pinned by a file under
/// <c>Storage/StoredShapes</c>. Renaming or retyping a stored property changes the JSON and fails
/// here, so a change of the stored format is a visible, deliberate diff (update the file with
/// <c>IDENTITY_UPDATE_STORED_SHAPES=1 dotnet test</c>, and keep rows already written loading).
/// The files were written by the code before the shapes were pinned, so loading them is also the
/// proof that rows written by earlier builds still load.
/// </summary>
[TestClass]
public sealed class StoredShapeTests
{
    private const string UpdateVariable = "IDENTITY_UPDATE_STORED_SHAPES";
    private static readonly IdentityStateSerializer Serializer = new();
    // Relaxed escaping only so the files read naturally ("+00:00", not "\u002B00:00"); the content is what is stored.
    private static readonly JsonSerializerOptions Indent = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly DateTimeOffset T0 = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);
    private static readonly Guid UserId = Guid.Parse("0193a1f0-7c2e-7d31-9b7a-2f1e5d6c4b3a");
    private static readonly Guid SessionA = Guid.Parse("6f1c2d3e-4b5a-4968-8776-5a4b3c2d1e0f");
    private static readonly Guid SessionB = Guid.Parse("0a1b2c3d-4e5f-4061-8273-94a5b6c7d8e9");

    [TestMethod]
    public void A_user_is_stored_as_pinned() => AssertStoredAs("user-state.json", FullUser());

    [TestMethod]
    public void A_session_is_stored_as_pinned() => AssertStoredAs("session-state.json", FullSession());

    [TestMethod]
    public void A_services_session_is_stored_as_pinned() => AssertStoredAs("service-session-state.json", ServiceSession());

    [TestMethod]
    public void A_service_client_is_stored_as_pinned() => AssertStoredAs("service-client-state.json", new ServiceClientState { Sessions = [new UserSessionRef(SessionA, T0)] });

    [TestMethod]
    public void An_oauth_token_entry_is_stored_as_pinned() => AssertStoredAs("oauth-token-state.json", FullTokenEntry());

    [TestMethod]
    public void The_provider_registry_is_stored_as_pinned() => AssertStoredAs("provider-registry-state.json", new ProviderRegistryState
    {
        Clients = [new RegisteredClient("reports", new string('a', 64), "Reports", ["https://reports.example.com/cb"], [], ["authorization_code", "client_credentials"], ["invoices:read"], FirstParty: true, JwtAccessTokens: false, T0, "ops")],
        Scopes = [new RegisteredScope("reports:read", "Read reports", ["reports-api"], T0, "ops")],
    });

    [TestMethod]
    public void An_oauth_reference_is_stored_as_pinned() => AssertStoredAs("oauth-reference-state.json", new OAuthReferenceState { TokenId = SessionB });

    [TestMethod]
    public void A_stored_oauth_token_entry_loads_with_every_value()
    {
        var loaded = Load<OAuthTokenState>("oauth-token-state.json");
        var expected = FullTokenEntry();

        Assert.AreEqual(expected.Type, loaded.Type);
        Assert.AreEqual(expected.Status, loaded.Status);
        Assert.AreEqual(expected.Subject, loaded.Subject);
        Assert.AreEqual(expected.ApplicationId, loaded.ApplicationId);
        Assert.AreEqual(expected.CreationDate, loaded.CreationDate);
        Assert.AreEqual(expected.ExpirationDate, loaded.ExpirationDate);
        Assert.AreEqual(expected.RedemptionDate, loaded.RedemptionDate);
        Assert.AreEqual(expected.ReferenceId, loaded.ReferenceId);
        Assert.AreEqual(expected.Payload, loaded.Payload);
        Assert.AreEqual(expected.Properties, loaded.Properties);
        Assert.AreEqual(expected.ConcurrencyToken, loaded.ConcurrencyToken);
        Assert.AreEqual(SessionA, loaded.StartedSessionId);
    }

    [TestMethod]
    public void A_login_name_is_stored_as_pinned() => AssertStoredAs("login-name-state.json", new LoginNameState { UserId = UserId, ClaimedAt = T0, Name = "alice@example.com" });

    [TestMethod]
    public void A_stored_user_loads_with_every_value()
    {
        var loaded = Load<UserState>("user-state.json");
        var expected = FullUser();

        Assert.AreEqual(expected.Username, loaded.Username);
        Assert.AreEqual(expected.Email, loaded.Email);
        Assert.AreEqual(expected.PasswordHash, loaded.PasswordHash);
        Assert.AreEqual(expected.Status, loaded.Status);
        Assert.AreEqual(expected.CreatedAt, loaded.CreatedAt);
        Assert.AreEqual(expected.ConsecutiveFailures, loaded.ConsecutiveFailures);
        Assert.AreEqual(expected.LockoutsSinceLastSuccess, loaded.LockoutsSinceLastSuccess);
        Assert.AreEqual(expected.LockedUntil, loaded.LockedUntil);
        CollectionAssert.AreEqual(expected.Sessions, loaded.Sessions);
        Assert.AreEqual(expected.PasswordChangedAt, loaded.PasswordChangedAt);
        CollectionAssert.AreEqual(expected.SourceFailures, loaded.SourceFailures);
        Assert.AreEqual(expected.LastLoginAt, loaded.LastLoginAt);
        Assert.IsTrue(loaded.PasswordChangeRequired);
        Assert.AreEqual("partner-app", loaded.Consents.Single().ClientId);
        CollectionAssert.AreEqual(new[] { "openid", "profile" }, loaded.Consents.Single().Scopes.ToArray());
        Assert.IsTrue(loaded.HasConsented("partner-app", ["profile"]));
    }

    [TestMethod]
    public void A_user_row_of_the_previous_shape_loads()
    {
        // As written before the admin API: no last login, no password-change marker.
        var loaded = Serializer.Deserialize<UserState>(BinaryData.FromString(
            """{"username":"Alice","email":"alice@example.com","passwordHash":"$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g","status":"active","createdAt":"2026-11-26T12:00:00+00:00","consecutiveFailures":3,"lockoutsSinceLastSuccess":1,"lockedUntil":"2026-11-26T12:01:00+00:00","sessions":[{"sessionId":"6f1c2d3e-4b5a-4968-8776-5a4b3c2d1e0f","createdAt":"2026-11-26T12:02:00+00:00"},{"sessionId":"0a1b2c3d-4e5f-4061-8273-94a5b6c7d8e9","createdAt":"2026-11-26T12:03:00+00:00"}],"passwordChangedAt":"2026-11-27T12:00:00+00:00","sourceFailures":[{"source":"address:203.0.113.7","failures":4,"lastFailureAt":"2026-11-26T12:04:00+00:00"},{"source":"device:5a4b3c2d1e0f49688776a5b4c3d2e1f0","failures":1,"lastFailureAt":"2026-11-26T12:05:00+00:00"}]}"""))!;

        Assert.AreEqual("Alice", loaded.Username);
        Assert.IsNull(loaded.LastLoginAt);
        Assert.IsFalse(loaded.PasswordChangeRequired);
        Assert.AreEqual(2, loaded.Sessions.Count);
    }

    [TestMethod]
    public void A_user_stored_before_per_source_throttling_loads_with_no_source_failures()
    {
        var stored = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(PathOf("user-state.json")))!.AsObject();
        stored.Remove("sourceFailures");

        var loaded = Serializer.Deserialize<UserState>(BinaryData.FromString(stored.ToJsonString()))!;

        Assert.IsNotNull(loaded.SourceFailures);
        Assert.IsEmpty(loaded.SourceFailures);
        Assert.AreEqual(3, loaded.ConsecutiveFailures);
    }

    [TestMethod]
    public void A_stored_session_loads_with_every_value()
    {
        var loaded = Load<SessionState>("session-state.json");
        var expected = FullSession();

        Assert.AreEqual(expected.UserId, loaded.UserId);
        Assert.AreEqual(expected.Username, loaded.Username);
        Assert.AreEqual(expected.CreatedAt, loaded.CreatedAt);
        Assert.AreEqual(expected.LastSeenAt, loaded.LastSeenAt);
        Assert.IsTrue(expected.AccessDigest.FixedTimeEquals(loaded.AccessDigest));
        Assert.AreEqual(expected.AccessIssuedAt, loaded.AccessIssuedAt);
        Assert.IsTrue(expected.RefreshDigest.FixedTimeEquals(loaded.RefreshDigest));
        Assert.AreEqual(3u, loaded.RefreshGeneration);
        Assert.AreEqual(expected.UserAgent, loaded.UserAgent);
        Assert.AreEqual(expected.IpAddress, loaded.IpAddress);
        Assert.AreEqual(expected.PurgeAfter, loaded.PurgeAfter);
        Assert.AreEqual("billing", loaded.Audience);
        Assert.AreEqual("invoices:read profile", loaded.Scope);
        Assert.AreEqual("web-app", loaded.ClientId);
        Assert.IsFalse(loaded.IsService);
    }

    [TestMethod]
    public void A_stored_login_name_loads_with_every_value()
    {
        var loaded = Load<LoginNameState>("login-name-state.json");

        Assert.AreEqual(UserId, loaded.UserId);
        Assert.AreEqual(T0, loaded.ClaimedAt);
        Assert.AreEqual("alice@example.com", loaded.Name);
    }

    [TestMethod]
    public void A_login_name_row_of_the_previous_shape_loads()
    {
        // As written before the name moved from the grain key into the state.
        var loaded = Serializer.Deserialize<LoginNameState>(BinaryData.FromString(
            """{"userId":"0193a1f0-7c2e-7d31-9b7a-2f1e5d6c4b3a","claimedAt":"2026-11-26T12:00:00+00:00"}"""))!;

        Assert.AreEqual(UserId, loaded.UserId);
        Assert.IsNull(loaded.Name);
    }

    [TestMethod]
    public void A_session_row_of_the_previous_shape_loads()
    {
        // As written before tokens carried a generation: rotated digests, no generation. It loads;
        // its tokens (the previous format) are refused at the edge, so it just expires.
        var loaded = Serializer.Deserialize<SessionState>(BinaryData.FromString(
            """{"userId":"0193a1f0-7c2e-7d31-9b7a-2f1e5d6c4b3a","username":"alice","createdAt":"2026-11-26T12:00:00+00:00","lastSeenAt":"2026-11-26T12:00:00+00:00","accessDigest":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=","accessIssuedAt":"2026-11-26T12:00:00+00:00","refreshDigest":"ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=","rotatedRefreshDigests":["YGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6e3x9fn8="],"userAgent":"curl/8.5","purgeAfter":1765540800}"""))!;

        Assert.AreEqual(UserId, loaded.UserId);
        Assert.AreEqual(0u, loaded.RefreshGeneration);
        Assert.AreEqual("curl/8.5", loaded.UserAgent);
    }

    [TestMethod]
    public void A_session_row_without_optional_fields_loads()
    {
        // As written for a session whose client sent no User-Agent and whose sign-in asked for no audience or scope (and before sessions had them).
        var loaded = Serializer.Deserialize<SessionState>(BinaryData.FromString(
            """{"userId":"0193a1f0-7c2e-7d31-9b7a-2f1e5d6c4b3a","username":"alice","createdAt":"2026-11-26T12:00:00+00:00","lastSeenAt":"2026-11-26T12:00:00+00:00","accessDigest":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=","accessIssuedAt":"2026-11-26T12:00:00+00:00","refreshDigest":"ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=","refreshGeneration":1,"purgeAfter":1765540800}"""))!;

        Assert.AreEqual(UserId, loaded.UserId);
        Assert.IsNull(loaded.UserAgent);
        Assert.IsNull(loaded.Audience);
        Assert.IsNull(loaded.Scope);
        Assert.IsNull(loaded.ClientId);
        Assert.IsFalse(loaded.IsService);
        Assert.IsTrue(loaded.IsStarted);
        Assert.IsFalse(loaded.AccessDigest.IsEmpty);
    }

    [TestMethod]
    [DataRow(typeof(UserState))]
    [DataRow(typeof(UserSessionRef))]
    [DataRow(typeof(SourceFailures))]
    [DataRow(typeof(SessionState))]
    [DataRow(typeof(LoginNameState))]
    [DataRow(typeof(ClientConsent))]
    [DataRow(typeof(OAuthTokenState))]
    [DataRow(typeof(OAuthReferenceState))]
    [DataRow(typeof(ServiceClientState))]
    [DataRow(typeof(ProviderRegistryState))]
    [DataRow(typeof(RegisteredClient))]
    [DataRow(typeof(RegisteredScope))]
    [DataRow(typeof(EmailVerificationSecret))]
    [DataRow(typeof(PasswordResetSecret))]
    [DataRow(typeof(TotpFactor))]
    [DataRow(typeof(PasskeyCredential))]
    public void Every_stored_property_names_its_json_key(Type persisted)
    {
        var unnamed = persisted.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.SetMethod is not null || persisted.GetConstructors().Any(c => c.GetParameters().Any(a => a.Name == p.Name)))
            .Where(p => p.GetCustomAttribute<JsonIgnoreAttribute>() is null && p.GetCustomAttribute<JsonPropertyNameAttribute>() is null)
            .Select(p => p.Name)
            .ToList();

        Assert.IsEmpty(unnamed, $"{persisted.Name}: give these a [JsonPropertyName] so a rename cannot change what is stored: {string.Join(", ", unnamed)}");
    }

    private static UserState FullUser()
    {
        var user = new UserState();
        user.Register("Alice", "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g", T0);
        user.Email = "alice@example.com";
        user.PendingEmail = "alice@example.org";
        user.EmailVerification = new EmailVerificationSecret("bGluay1kaWdlc3Q", "Y29kZS1kaWdlc3Q", "c2FsdA", T0.AddMinutes(8), 2);
        user.PasswordReset = new PasswordResetSecret("cmVzZXQtZGlnZXN0", T0.AddMinutes(9));
        user.PasswordResetsSent.Add(T0.AddMinutes(9));
        user.Totp = new TotpFactor("1.c2VhbGVkLXNlY3JldA", T0.AddMinutes(10), T0.AddMinutes(11), 59_000_000);
        user.RecoveryCodes.Add("cmVjb3ZlcnktZGlnZXN0");
        user.Passkeys.Add(new PasskeyCredential("Y3JlZGVudGlhbC1pZA", "cHVibGljLWtleQ", 7, "Work laptop", Synced: true, T0.AddMinutes(12), T0.AddMinutes(13)));
        user.ConsecutiveFailures = 3;
        user.LockoutsSinceLastSuccess = 1;
        user.LockedUntil = T0.AddMinutes(1);
        user.AddSession(SessionA, T0.AddMinutes(2), maxSessions: 100);
        user.AddSession(SessionB, T0.AddMinutes(3), maxSessions: 100);
        user.PasswordChangedAt = T0.AddDays(1);
        user.SourceFailures.Add(new SourceFailures("address:203.0.113.7", 4, T0.AddMinutes(4)));
        user.SourceFailures.Add(new SourceFailures("device:5a4b3c2d1e0f49688776a5b4c3d2e1f0", 1, T0.AddMinutes(5)));
        user.LastLoginAt = T0.AddMinutes(6);
        user.PasswordChangeRequired = true;
        user.Consent("partner-app", ["profile", "openid"], T0.AddMinutes(7));
        return user;
    }

    private static SessionState FullSession()
    {
        var session = new SessionState();
        session.Start(new SessionStart(UserId, "alice", new ClientContext("Mozilla/5.0 (X11; Linux x86_64)", "203.0.113.7"), new TokenGrant("billing", "invoices:read profile", "web-app")), T0);
        session.InstallTokens(Digest(0), Digest(32), 1, T0);
        session.InstallTokens(Digest(64), Digest(96), 2, T0.AddHours(1));
        session.InstallTokens(Digest(128), Digest(160), 3, T0.AddHours(2));
        session.PurgeAfter = T0.AddDays(14).ToUnixTimeSeconds();
        session.Amr = "pwd otp mfa";
        session.AuthenticatedAt = T0.AddHours(2);
        return session;
    }

    private static SessionState ServiceSession()
    {
        var session = new SessionState();
        session.Start(new SessionStart(Guid.Empty, "billing-service", new ClientContext(null, "10.0.0.8"), new TokenGrant("billing-api", "invoices:read", "billing-service"), IsService: true), T0);
        session.InstallTokens(Digest(0), Digest(32), 1, T0);
        session.PurgeAfter = T0.AddDays(14).ToUnixTimeSeconds();
        return session;
    }

    private static OAuthTokenState FullTokenEntry() => new()
    {
        Type = "urn:openiddict:params:oauth:token-type:authorization_code",
        Status = "redeemed",
        Subject = UserId.ToString(),
        ApplicationId = "web-app",
        CreationDate = T0,
        ExpirationDate = T0.AddMinutes(2),
        RedemptionDate = T0.AddMinutes(1),
        ReferenceId = "c2hhMjU2LW9mLXRoZS1jb2Rl",
        Payload = "eyJhbGciOiJBMjU2S1ciLCJlbmMiOiJBMjU2Q0JDLUhTNTEyIn0.encrypted",
        Properties = """{"x":1}""",
        ConcurrencyToken = "9f8e7d6c5b4a39281706f5e4d3c2b1a0",
        StartedSessionId = SessionA,
    };

    private static TokenDigest Digest(int first) => TokenDigest.FromBytes([.. Enumerable.Range(first, TokenDigest.Size).Select(b => (byte)b)]);

    private static T Load<T>(string file) => Serializer.Deserialize<T>(BinaryData.FromString(File.ReadAllText(PathOf(file))))!;

    private static void AssertStoredAs<T>(string file, T state)
    {
        var stored = Indented(Serializer.Serialize(state).ToString());
        var path = PathOf(file);
        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            File.WriteAllText(path, stored);
        }

        Assert.AreEqual(File.ReadAllText(path).ReplaceLineEndings("\n"), stored,
            $"The stored shape of {typeof(T).Name} changed. Rows already in databases were written in the old shape: keep them loading, then update {file} ({UpdateVariable}=1).");
    }

    private static string Indented(string json)
    {
        using var document = JsonDocument.Parse(json);
        return JsonSerializer.Serialize(document.RootElement, Indent).ReplaceLineEndings("\n") + "\n";
    }

    /// <summary>The file in the source tree (read there, so an update is seen without a rebuild).</summary>
    private static string PathOf(string file) => RepositoryFiles.PathOf("tests", "Identity.Tests", "Storage", "StoredShapes", file);
}
