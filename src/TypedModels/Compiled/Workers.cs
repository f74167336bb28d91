using System;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace TypedModels.Compiled;

/// <summary>
/// The threads a compiled kernel may split a large node over: one background thread per core beyond the first, started
/// on first use, shared by every client in the process. A kernel hands <see cref="Run"/> a function and its arguments
/// (pointers into memory the caller keeps pinned until the call returns); part 0 runs on the calling thread, the
/// others on workers, and the call returns when all are done. Nothing is allocated per call. One caller uses the
/// workers at a time: a second, concurrent caller runs every part itself, as does a caller whose client allows one
/// thread (<see cref="TypedModelOptions.IntraOpThreads"/>), so servers that already keep every core busy with calls pay
/// nothing. A worker spins for a while after its part (ONNX Runtime's pool does too), so that the next node or call finds it
/// awake, then sleeps until it is given work.
/// </summary>
internal static unsafe class Workers
{
    // How long a worker spins for more work before it sleeps: about 100 µs.
    private const int SpinIterations = 20_000;

    private static readonly int s_count = Math.Max(0, Math.Min(Environment.ProcessorCount, 16) - 1);
    private static readonly object s_start = new();
    private static Worker[]? s_workers;
    private static int s_busy;
    private static delegate*<void*, int, void> s_body;
    private static void* s_arguments;
    private static int s_pending;
    private static Exception? s_failure;

    [ThreadStatic]
    private static int t_limit;

    /// <summary>The threads a call on this thread may use (at least 1): set by the compiled client as it starts a call.</summary>
    public static int Limit
    {
        get => t_limit <= 0 ? Environment.ProcessorCount : t_limit;
        set => t_limit = value;
    }

    /// <summary>How many parts a node worth splitting should be split into on this thread now: 1 when it must stay whole.</summary>
    public static int Parts => Math.Max(1, Math.Min(Limit, s_count + 1));

    /// <summary>
    /// Runs <paramref name="body"/>(arguments, part) for every part in [0, <paramref name="parts"/>): part 0 on this
    /// thread, the rest on workers when they are free, else here after it. Rethrows the first part's exception.
    /// </summary>
    public static void Run(delegate*<void*, int, void> body, void* arguments, int parts)
    {
        parts = Math.Min(parts, s_count + 1);
        if (parts <= 1 || Interlocked.CompareExchange(ref s_busy, 1, 0) != 0)
        {
            for (int part = 0; part < Math.Max(parts, 1); part++)
                body(arguments, part);
            return;
        }
        try
        {
            var workers = s_workers ?? Start();
            s_body = body;
            s_arguments = arguments;
            s_failure = null;
            Volatile.Write(ref s_pending, parts - 1);
            for (int i = 0; i < parts - 1; i++)
                workers[i].Give(i + 1);
            try
            {
                body(arguments, 0);
            }
            finally
            {
                var wait = new SpinWait();
                while (Volatile.Read(ref s_pending) != 0)
                    wait.SpinOnce(sleep1Threshold: -1);
            }
            if (s_failure is { } failure)
                ExceptionDispatchInfo.Throw(failure);
        }
        finally
        {
            s_body = null;
            s_arguments = null;
            Volatile.Write(ref s_busy, 0);
        }
    }

    private static Worker[] Start()
    {
        lock (s_start)
        {
            if (s_workers is null)
            {
                var workers = new Worker[s_count];
                for (int i = 0; i < workers.Length; i++)
                    workers[i] = new Worker(i);
                s_workers = workers;
            }
            return s_workers;
        }
    }

    private sealed class Worker
    {
        private readonly SemaphoreSlim _wake = new(0);
        private int _generation;
        private int _part;
        private int _sleeping;

        public Worker(int index)
        {
            var thread = new Thread(Loop) { IsBackground = true, Name = "TypedModels worker " + (index + 1) };
            thread.Start();
        }

        public void Give(int part)
        {
            _part = part;
            Interlocked.Increment(ref _generation);
            if (Interlocked.CompareExchange(ref _sleeping, 0, 1) == 1)
                _wake.Release();
        }

        private void Loop()
        {
            int seen = 0;
            while (true)
            {
                int spins = 0;
                while (Volatile.Read(ref _generation) == seen && spins++ < SpinIterations)
                    Thread.SpinWait(1);
                if (Volatile.Read(ref _generation) == seen)
                {
                    Volatile.Write(ref _sleeping, 1);
                    if (Volatile.Read(ref _generation) == seen || Interlocked.CompareExchange(ref _sleeping, 0, 1) == 0)
                        _wake.Wait();
                    continue;
                }
                seen = Volatile.Read(ref _generation);
                try
                {
                    s_body(s_arguments, _part);
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref s_failure, e, null);
                }
                Interlocked.Decrement(ref s_pending);
            }
        }
    }
}
