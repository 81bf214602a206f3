using Identity.Bench;

// The benchmark tool; bench/run.sh drives it. Commands:
//   host [ASP.NET Core args]          the Api's pipeline plus /bench/* reference endpoints
//   bare [ASP.NET Core args]          bare Kestrel answering a fixed body: the machine's HTTP limit
//   service [ASP.NET Core args]       a service protected by Identity.Client (/checked) and the same unprotected (/open)
//   hash-rate <seconds>               raw Argon2id hashes per second on all cores, as the silo hashes
//   memory <sessions>                 managed heap and working set per live session on one silo
//   cold <sessions> <connection>      first (storage read) and second validation latency
return args switch
{
    ["host", .. var rest] => await BenchHost.RunAsync(rest),
    ["bare", .. var rest] => await BareKestrel.RunAsync(rest),
    ["service", .. var rest] => await BenchService.RunAsync(rest),
    ["hash-rate", var seconds] => await Measurements.HashRateAsync(double.Parse(seconds, System.Globalization.CultureInfo.InvariantCulture)),
    ["memory", var sessions] => await Measurements.MemoryPerSessionAsync(int.Parse(sessions, System.Globalization.CultureInfo.InvariantCulture)),
    ["cold", var sessions, var connectionString] => await Measurements.ColdValidationAsync(int.Parse(sessions, System.Globalization.CultureInfo.InvariantCulture), connectionString),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: Identity.Bench host|bare|service|hash-rate <s>|memory <n>|cold <n> <connection string>");
    return 2;
}
