using RecoveryAssist.Cli;

return await RecoveryAssistCli.RunAsync(args, CliConsole.Standard).ConfigureAwait(false);
