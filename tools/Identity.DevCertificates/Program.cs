namespace Identity.DevCertificates;

/// <summary>
/// <c>Identity.DevCertificates create &lt;folder&gt;</c>: a private CA and a certificate per grid
/// role in the folder (kept if already there); prints the folder. Used by scripts/grid.sh and bench/run.sh.
/// </summary>
internal static class Program
{
    public static int Main(string[] args)
    {
        if (args is not ["create", var folder])
        {
            Console.Error.WriteLine("usage: Identity.DevCertificates create <folder>");
            return 2;
        }

        Console.WriteLine(LocalCertificates.Ensure(folder));
        return 0;
    }
}
