using Identity.Api.Authentication;
using Identity.Grains.Hosting.Options;

namespace Identity.Api.Features.Admin;

/// <summary>
/// Who may use the admin API (<c>/admin/v1</c>): section <c>Admin</c>, each operator a client id
/// and the SHA-256 of its secret (<see cref="ConfiguredClient"/>). With none configured the admin
/// API answers 401 to everyone.
/// </summary>
public sealed class AdminOptions
{
    public const string Section = "Admin";

    public List<ConfiguredClient> Operators { get; set; } = [];
}

internal sealed class AdminOptionsValidator() : OptionsValidator<AdminOptions>(AdminOptions.Section)
{
    protected override void Check(AdminOptions options, Failures failures) =>
        ConfiguredClient.Check(options.Operators, nameof(AdminOptions.Operators), failures.Unless);
}
