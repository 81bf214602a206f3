using Identity.Cli;

return await AdminCommands.RunAsync(args, Environment.GetEnvironmentVariable, Console.Out, Console.Error);
