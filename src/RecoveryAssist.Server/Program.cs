using RecoveryAssist.Server.Hosting;

return await AppHost.RunAsync(args).ConfigureAwait(false);
