using KohakuRiver.Daemon.Configuration;

namespace KohakuRiver.Daemon.Web;

public static class DaemonLogging
{
    public static void Configure(ILoggingBuilder logging, DaemonSettings settings, string role)
    {
        logging.ClearProviders();
        logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
        });
        var level = Enum.Parse<LogLevel>(settings.LogLevel, ignoreCase: true);
        logging.SetMinimumLevel(level);
        // ASP.NET's per-request lines drown the product's own at Information.
        logging.AddFilter("Microsoft", level > LogLevel.Warning ? level : LogLevel.Warning);
        logging.AddFilter("System.Net.Http", LogLevel.Warning);
    }
}
