using Identity.Api.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddIdentityApi();

var app = builder.Build();
app.UseIdentityApi();
app.Run();

/// <summary>Entry point; public so the tests can host the real pipeline.</summary>
public partial class Program;
