using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using RecoveryAssist.Server.Features.Alerts;
using RecoveryAssist.Server.Features.Audit;
using RecoveryAssist.Server.Features.Auth;
using RecoveryAssist.Server.Features.Backup;
using RecoveryAssist.Server.Features.Boot;
using RecoveryAssist.Server.Features.Escrow;
using RecoveryAssist.Server.Features.Health;
using RecoveryAssist.Server.Features.HostOps;
using RecoveryAssist.Server.Features.Network;
using RecoveryAssist.Server.Features.Metrics;
using RecoveryAssist.Server.Features.Policy;
using RecoveryAssist.Server.Features.Recovery;
using RecoveryAssist.Server.Features.Secrets;
using RecoveryAssist.Server.Features.Web;
using RecoveryAssist.Server.Storage;

namespace RecoveryAssist.Server.Hosting;

/// <summary>Builds and runs the appliance: options, the store, features, endpoints.</summary>
internal static class AppHost
{
    public const string DataEnvironmentVariable = "RECOVERYASSIST_DATA";
    public const string KekFileEnvironmentVariable = "RECOVERYASSIST_KEK_FILE";

    /// <summary>The data-protection keys that sign sign-in cookies, sealed under the KEK.</summary>
    public const string CookieKeysDirectory = "cookie-keys";

    public static async Task<int> RunAsync(string[] args)
    {
        WebApplication app;
        try
        {
            app = Build(args);
        }
        catch (StoreOpenException e)
        {
            await Console.Error.WriteLineAsync("error: " + e.Message).ConfigureAwait(false);
            return 2;
        }
        catch (SettingsFileException e)
        {
            await Console.Error.WriteLineAsync("error: " + e.Message).ConfigureAwait(false);
            return 2;
        }
        catch (OptionsValidationException e)
        {
            await Console.Error.WriteLineAsync("error: invalid configuration: " + string.Join(" ", e.Failures)).ConfigureAwait(false);
            return 2;
        }
        await app.RunAsync().ConfigureAwait(false);
        return 0;
    }

    /// <param name="console">Where first-run messages (the one-time admin password) go; the process console by default.</param>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null, TextWriter? console = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        SettingsFile.Add(builder.Configuration, args);
        builder.AddSystemd();
        if (Environment.GetEnvironmentVariable(DataEnvironmentVariable) is { Length: > 0 } data)
            builder.Configuration[$"{AppOptions.Section}:{nameof(AppOptions.DataDirectory)}"] = data;
        if (Environment.GetEnvironmentVariable(KekFileEnvironmentVariable) is { Length: > 0 } kekFile)
            builder.Configuration[$"{AppOptions.Section}:{nameof(AppOptions.KekFile)}"] = kekFile;
        // --urls (and ASPNETCORE_URLS) stay an alias of the people side.
        if (builder.Configuration["urls"] is { Length: > 0 } urls && string.IsNullOrEmpty(builder.Configuration[$"{AppOptions.Section}:Listen:People"]))
            builder.Configuration[$"{AppOptions.Section}:Listen:People"] = urls.Split(';')[0];
        configure?.Invoke(builder);
        // The one-time boot.cfg URL carries its token in the path: the hosting layer's request lines
        // (Information) must never be logged, whatever the configured levels.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore.Server.Kestrel", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore.Routing", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore.Http.Result", LogLevel.Warning);
        // "AuthenticationScheme ... was challenged" on every anonymous request is noise, not an event.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Authentication", LogLevel.Warning);

        builder.Services.AddOptions<AppOptions>().Bind(builder.Configuration.GetSection(AppOptions.Section)).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<AppOptions>, AppOptionsValidator>();
        var options = builder.Configuration.GetSection(AppOptions.Section).Get<AppOptions>() ?? new AppOptions();
        var validation = new AppOptionsValidator().Validate(null, options);
        if (validation.Failed)
            throw new OptionsValidationException(AppOptions.Section, typeof(AppOptions), validation.Failures);

        var store = AppStore.Open(options.DataDirectory, options.ResolveKekFile());
        var network = builder.AddNetwork(options);
        builder.Services.AddSingleton(store);
        builder.Services.AddSingleton(store.Database);
        builder.Services.AddSingleton(store.Kek);
        builder.Services.TryAddSingletonTimeProvider();
        builder.Services.AddSingleton<KeySealer>();
        builder.Services.AddSingleton(sp => store.CreateAuditLog(sp.GetRequiredService<TimeProvider>(), AuditSetup.SinkOrNull(sp)));
        builder.Services.AddAuditTrail();
        builder.Services.AddEscrow();
        builder.Services.AddRecovery(builder.Configuration);
        builder.Services.AddHostOps(builder.Configuration);
        builder.Services.AddAlerts(builder.Configuration);
        builder.Services.AddPolicy(builder.Configuration);
        builder.Services.AddBoot(builder.Configuration);
        builder.Services.AddRecoveryAssistAuth();
        builder.Services.AddRecoveryAssistMetrics(builder.Configuration);
        builder.Services.AddBackup(builder.Configuration);
        builder.Services.AddWebConsole();
        // Sign-in cookies are protected by keys kept with the data, not in the service account's profile.
        builder.Services.AddDataProtection().SetApplicationName("RecoveryAssist");
        builder.Services.AddOptions<Microsoft.AspNetCore.DataProtection.KeyManagement.KeyManagementOptions>().Configure<ILoggerFactory>((o, loggers) =>
        {
            o.XmlEncryptor = new KekXmlEncryptor(store.Kek);
            o.XmlRepository = new PrivateXmlRepository(Path.Combine(options.DataDirectory, CookieKeysDirectory), loggers);
        });

        builder.Services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
            json.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        });
        // Bad JSON reaches ProblemMapping, which says where it is wrong.
        builder.Services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<ProblemMapping>();
        builder.Services.AddOpenApi();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = options.MaxBulkRequestBytes;
            kestrel.AddServerHeader = false;
        });

        var app = builder.Build();
        app.Lifetime.ApplicationStopped.Register(store.Dispose);
        var adminPasswordFile = Bootstrap.EnsureAdmin(app.Services.GetRequiredService<UserService>(), options.DataDirectory);
        Bootstrap.PrintFirstRun(console ?? Console.Out, store.KekCreated ? Path.GetFullPath(store.KekFile) : null, adminPasswordFile,
            network.Sides.PeopleUrl.ToString());
        network.Print(console ?? Console.Out);
        app.Lifetime.ApplicationStarted.Register(() => network.PrintUrls(console ?? Console.Out));

        app.UseNetworkSides(network);
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRouting();
        app.UseRateLimiter();
        app.Use(LimitRequestSize(options));
        app.UseAuthentication();
        app.UseAuthorization();

        app.MapOpenApi();
        app.MapHealthEndpoints();
        app.MapAuthEndpoints();
        app.MapUserAdminEndpoints();
        app.MapEscrowEndpoints();
        app.MapAuditEndpoints();
        app.MapRecoveryEndpoints();
        app.MapHostOpsEndpoints();
        app.MapAlerts();
        app.MapPolicyEndpoints();
        app.MapBootEndpoints();
        app.MapMetricsEndpoint();
        app.MapBackupEndpoints();
        app.MapWebConsole();
        return app;
    }

    private static void TryAddSingletonTimeProvider(this IServiceCollection services)
    {
        if (!services.Any(d => d.ServiceType == typeof(TimeProvider)))
            services.AddSingleton(TimeProvider.System);
    }

    /// <summary>Bodies are bounded to MaxRequestBytes, except on bulk imports.</summary>
    private static Func<HttpContext, RequestDelegate, Task> LimitRequestSize(AppOptions options) => (context, next) =>
    {
        var feature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (feature is { IsReadOnly: false } && context.GetEndpoint()?.Metadata.GetMetadata<BulkRequestSize>() is null)
            feature.MaxRequestBodySize = options.MaxRequestBytes;
        return next(context);
    };
}
