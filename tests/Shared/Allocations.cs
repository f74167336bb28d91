using System;

namespace TypedModels.Testing;

/// <summary>
/// Counts the managed bytes the calling thread allocates: a count, not a time, so a test that asserts on it gives the
/// same answer on an idle machine and a loaded one. Shared by the runtime tests (a call allocates nothing) and the
/// generator tests (a signature read allocates little).
/// </summary>
internal static class Allocations
{
    /// <summary>
    /// Runs <paramref name="call"/> <paramref name="warmUp"/> times (JIT, tiering, buffers bound on first use), then
    /// <paramref name="calls"/> times, and returns the bytes the calling thread allocated during the second loop.
    /// The argument is the loop's index, counted from 0 in each loop.
    /// </summary>
    /// <remarks>
    /// The delegate and its closure exist before the count starts, so it holds the calls alone; and only the calling
    /// thread is counted, so tests running at the same time add nothing to it.
    /// </remarks>
    public static long PerLoop(int warmUp, int calls, Action<int> call)
    {
        for (int i = 0; i < warmUp; i++)
            call(i);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < calls; i++)
            call(i);
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    /// <summary>The bytes the calling thread allocated while running <paramref name="action"/> once, with no warm-up.</summary>
    public static long During(Action action)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        action();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }
}
