using System.Text.Json;
using System.Text.Json.Serialization;
using Identity.Api.Features.Admin;
using Identity.Api.Features.BrowserSessions;
using Identity.Api.Features.Introspection;
using Identity.Api.Features.Sessions;
using Identity.Api.Features.Users;

namespace Identity.Api.Http;

/// <summary>Source-generated JSON for every request and response body: no reflection on the hot path.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(RegisterUserRequest))]
[JsonSerializable(typeof(UserCreatedResponse))]
[JsonSerializable(typeof(ChangePasswordRequest))]
[JsonSerializable(typeof(SessionListResponse))]
[JsonSerializable(typeof(LoginRequest))]
[JsonSerializable(typeof(RefreshRequest))]
[JsonSerializable(typeof(TokenResponse))]
[JsonSerializable(typeof(CurrentSessionResponse))]
[JsonSerializable(typeof(IntrospectionForm))]
[JsonSerializable(typeof(BrowserSessionResponse))]
[JsonSerializable(typeof(IntrospectionResponse))]
[JsonSerializable(typeof(AdminUserResponse))]
[JsonSerializable(typeof(AdminSessionListResponse))]
[JsonSerializable(typeof(AdminSessionsEndedResponse))]
[JsonSerializable(typeof(AdminClientRequest))]
[JsonSerializable(typeof(AdminClientCreatedResponse))]
[JsonSerializable(typeof(AdminClientListResponse))]
[JsonSerializable(typeof(AdminScopeRequest))]
[JsonSerializable(typeof(AdminScopeResponse))]
[JsonSerializable(typeof(AdminScopeListResponse))]
internal sealed partial class ApiJsonContext : JsonSerializerContext;
