using System.Net;
using Microsoft.Extensions.Options;

namespace RecoveryAssist.Tftp;

/// <summary>Reports every invalid <see cref="TftpServerOptions"/> value at once.</summary>
public sealed class TftpServerOptionsValidator : IValidateOptions<TftpServerOptions>
{
    public ValidateOptionsResult Validate(string? name, TftpServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (!IPAddress.TryParse(options.ListenAddress, out _))
        {
            failures.Add($"Tftp:ListenAddress '{options.ListenAddress}' is not an IP address.");
        }

        Range(failures, nameof(options.Port), options.Port, 0, 65535);
        Range(failures, nameof(options.MaxBlockSize), options.MaxBlockSize, 512, 65464);
        Range(failures, nameof(options.MaxWindowSize), options.MaxWindowSize, 1, 65535);
        Range(failures, nameof(options.MaxWindowBytes), options.MaxWindowBytes, 512, 64 * 1024 * 1024);
        Range(failures, nameof(options.MaxRetries), options.MaxRetries, 0, 100);
        Range(failures, nameof(options.MaxConcurrentTransfers), options.MaxConcurrentTransfers, 1, 10000);
        Range(failures, nameof(options.MaxFileNameLength), options.MaxFileNameLength, 1, 1024);
        Range(failures, nameof(options.SocketBufferSize), options.SocketBufferSize, 64 * 1024, 64 * 1024 * 1024);
        Range(failures, nameof(options.BusyPollMicroseconds), options.BusyPollMicroseconds, 0, 1000);
        Range(failures, nameof(options.MaxClientTimeoutSeconds), options.MaxClientTimeoutSeconds, 1, 255);
        Range(failures, nameof(options.MaxTransfersPerAddress), options.MaxTransfersPerAddress, 1, 10000);
        if (options.FirstAckTimeout < TimeSpan.FromMilliseconds(100) || options.FirstAckTimeout > TimeSpan.FromSeconds(60))
        {
            failures.Add($"Tftp:FirstAckTimeout {options.FirstAckTimeout} must be between 100 ms and 60 s.");
        }
        if (options.Timeout < TimeSpan.FromMilliseconds(10) || options.Timeout > TimeSpan.FromSeconds(255))
        {
            failures.Add($"Tftp:Timeout {options.Timeout} must be between 10 ms and 255 s.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Range(List<string> failures, string property, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            failures.Add($"Tftp:{property} {value} must be between {min} and {max}.");
        }
    }
}
