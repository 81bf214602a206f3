using Identity.ServiceDefaults.Authentication;
using Identity.Grains.Hosting.Options;

namespace Identity.ServiceDefaults.Management;

/// <summary>
/// The operators: who may use the admin API (<c>/admin/v1</c>) and a node's dashboard on its
/// management port. Section <c>Admin</c>, each operator a client id and the SHA-256 of its secret
/// (<see cref="ConfiguredClient"/>). With none configured both answer 401 to everyone.
/// </summary>
public sealed class AdminOptions
{
    public const string Section = "Admin";

    public List<ConfiguredClient> Operators { get; set; } = [];
}

public sealed class AdminOptionsValidator() : OptionsValidator<AdminOptions>(AdminOptions.Section)
{
    protected override void Check(AdminOptions options, Failures failures) =>
        ConfiguredClient.Check(options.Operators, nameof(AdminOptions.Operators), failures.Unless);
}
