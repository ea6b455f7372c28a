using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using RecoveryAssist.Tftp.Server;

namespace RecoveryAssist.Tftp.Tests.Server;

public sealed class BusyPollTests : IDisposable
{
    private static readonly long OneMillisecond = Stopwatch.Frequency / 1000;

    private readonly Socket _receiver = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly Socket _sender = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);

    public BusyPollTests() => _receiver.Bind(new IPEndPoint(IPAddress.Loopback, 0));

    public void Dispose()
    {
        _receiver.Dispose();
        _sender.Dispose();
    }

    private void SendOne() => _sender.SendTo(new byte[] { 0, 4, 0, 1 }, _receiver.LocalEndPoint!);

    /// <summary>One wait of the transfer loop: poll, receive, learn. A fast client's answer is
    /// already there when the wait starts; a slow one's comes after the delay.</summary>
    private void Answer(BusyPoll.Session session, TimeSpan clientDelay)
    {
        if (clientDelay == TimeSpan.Zero)
        {
            SendOne();
            session.BeforeReceive(_receiver);
        }
        else
        {
            // The client's time runs from the end of our send, whether or not we poll meanwhile.
            // A thread of its own: a thread-pool item may wait a second for a worker when other
            // tests keep the pool busy.
            var client = new Thread(() =>
            {
                Thread.Sleep(clientDelay);
                SendOne();
            });
            client.Start();
            session.BeforeReceive(_receiver);
            _receiver.Receive(new byte[16]);
            session.Received();
            client.Join();
            return;
        }

        _receiver.Receive(new byte[16]);
        session.Received();
    }

    [Fact]
    public void Session_FastClient_PollsAboutTwiceItsAnswerTime()
    {
        using var session = new BusyPoll(TimeSpan.FromMilliseconds(50), maxTransfers: 1).Start();
        for (int i = 0; i < 32; i++)
        {
            Answer(session, TimeSpan.Zero);
        }

        session.Budget.Should().BeGreaterThan(0).And.BeLessThan(50 * OneMillisecond);
    }

    [Fact]
    public void Session_ClientSlowerThanTheLimit_NotPolledFor_UntilItIsFastAgain()
    {
        using var session = new BusyPoll(TimeSpan.FromMilliseconds(10), maxTransfers: 1).Start();
        for (int i = 0; i < 16; i++)
        {
            Answer(session, TimeSpan.FromMilliseconds(50));
        }

        session.Budget.Should().Be(0, "this client usually takes 50 ms, longer than the 10 ms limit");
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < 100; i++)
        {
            session.BeforeReceive(_receiver);
        }

        watch.Elapsed.Should().BeLessThan(TimeSpan.FromMilliseconds(500), "polls of 10 ms each would take a second");

        // Still measured while not polling: a client that speeds up is polled for again.
        for (int i = 0; i < 64; i++)
        {
            Answer(session, TimeSpan.Zero);
        }

        session.Budget.Should().BeGreaterThan(0);
    }

    [Fact]
    public void Session_OneSlowAnswer_DoesNotStopPolling()
    {
        using var session = new BusyPoll(TimeSpan.FromMilliseconds(100), maxTransfers: 1).Start();
        for (int i = 0; i < 32; i++)
        {
            Answer(session, TimeSpan.Zero);
        }

        // One answer twice as slow as the limit: averaged with the usual ones, still under it.
        Answer(session, TimeSpan.FromMilliseconds(200));

        session.Budget.Should().BeGreaterThan(0);
    }

    [Fact]
    public void BeforeReceive_DatagramWaiting_ReturnsAtOnce_OtherwiseAfterTheBudget()
    {
        using var session = new BusyPoll(TimeSpan.FromMilliseconds(300), maxTransfers: 1).Start();
        for (int i = 0; i < 32; i++)
        {
            Answer(session, TimeSpan.FromMilliseconds(20));
        }

        long budget = session.Budget;
        budget.Should().BeGreaterThan(20 * OneMillisecond);

        SendOne();
        var watch = Stopwatch.StartNew();
        session.BeforeReceive(_receiver);
        watch.ElapsedTicks.Should().BeLessThan(budget * TimeSpan.TicksPerSecond / Stopwatch.Frequency, "the datagram was already there");
        _receiver.Receive(new byte[16]);

        watch.Restart();
        session.BeforeReceive(_receiver);
        watch.ElapsedTicks.Should().BeGreaterThanOrEqualTo(budget * TimeSpan.TicksPerSecond / Stopwatch.Frequency * 9 / 10);
    }

    [Fact]
    public void Session_PollingOff_NeverPolls()
    {
        using var session = new BusyPoll(TimeSpan.Zero, maxTransfers: 1).Start();
        Answer(session, TimeSpan.Zero);

        session.Budget.Should().Be(0);
    }

    [Fact]
    public void Session_MoreTransfersThanTheLimit_NobodyPollsUntilOneEnds()
    {
        var poll = new BusyPoll(TimeSpan.FromMilliseconds(1), maxTransfers: 1);
        var first = poll.Start();
        var second = poll.Start();
        Answer(first, TimeSpan.Zero);
        Answer(second, TimeSpan.Zero);

        first.Budget.Should().Be(0);
        second.Budget.Should().Be(0);

        // The second ends (twice, harmlessly): the first polls again.
        second.Dispose();
        second.Dispose();
        first.Budget.Should().BeGreaterThan(0);

        // Starts and ends balance: with two running again, nobody polls.
        for (int i = 0; i < 8; i++)
        {
            poll.Start().Dispose();
        }

        var third = poll.Start();
        first.Budget.Should().Be(0);
        first.Dispose();
        third.Dispose();
    }
}
