using Identity.Grains.Storage.PostgreSql;
using Npgsql;

namespace Identity.Tests.Storage;

/// <summary>The grid's defaults for its PostgreSQL connections, and that a connection string overrides each.</summary>
[TestClass]
public sealed class ConnectionDefaultsTests
{
    [TestMethod]
    public void A_bare_connection_string_gets_bounded_timeouts_a_bounded_pool_and_prepared_statements()
    {
        var applied = new NpgsqlConnectionStringBuilder(IdentityDatabase.WithDefaults("Host=db;Database=identity;Username=grid"));

        Assert.AreEqual(IdentityDatabase.DefaultConnectTimeoutSeconds, applied.Timeout);
        Assert.AreEqual(IdentityDatabase.DefaultCommandTimeoutSeconds, applied.CommandTimeout);
        Assert.AreEqual(IdentityDatabase.DefaultMaxPoolSize, applied.MaxPoolSize);
        Assert.AreEqual(IdentityDatabase.DefaultMaxAutoPrepare, applied.MaxAutoPrepare);
        Assert.IsTrue(applied.NoResetOnClose);
        Assert.AreEqual("identity-grid", applied.ApplicationName);
    }

    [TestMethod]
    [DataRow("Timeout=9;Command Timeout=8;Maximum Pool Size=7;Max Auto Prepare=0")]
    [DataRow("timeout=9;commandtimeout=8;maxpoolsize=7;maxautoprepare=0")]
    public void Settings_in_the_connection_string_win(string settings)
    {
        var applied = new NpgsqlConnectionStringBuilder(IdentityDatabase.WithDefaults("Host=db;Database=identity;" + settings));

        Assert.AreEqual(9, applied.Timeout);
        Assert.AreEqual(8, applied.CommandTimeout);
        Assert.AreEqual(7, applied.MaxPoolSize);
        Assert.AreEqual(0, applied.MaxAutoPrepare, "Max Auto Prepare=0 turns preparation off (a PgBouncer without max_prepared_statements)");
    }
}
