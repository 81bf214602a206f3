using Identity.Api.Hosting;

return await IdentityApi.RunAsync(args);

/// <summary>Entry point; public so the tests can host the real pipeline.</summary>
public partial class Program;
