using System;
using System.Diagnostics.CodeAnalysis;
using System.Threading;

namespace TypedModels.Run;

/// <summary>
/// Refuses overlapping calls on one client: a client's buffers are reused by every call, so two threads in one
/// instance would read each other's results. One owner at a time: the thread id, set and cleared with interlocked
/// operations (a few nanoseconds a call).
/// </summary>
internal struct SingleCaller
{
    private int _owner;

    public void Enter(string model)
    {
        int me = Environment.CurrentManagedThreadId;
        int owner = Interlocked.CompareExchange(ref _owner, me, 0);
        if (owner != 0 && owner != me)
            ThrowConcurrent(model);
    }

    public void Exit() => Volatile.Write(ref _owner, 0);

    [DoesNotReturn]
    internal static void ThrowConcurrent(string model) => throw new InvalidOperationException(
        $"{model}: another thread is calling Predict on this instance. A client is single-threaded by design " +
        "(its buffers are reused); give each thread its own client, or rent them from a ModelPool.");
}
