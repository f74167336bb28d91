using System;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace TypedModels.Compiled;

/// <summary>
/// The threads a compiled kernel may split a large node over: one background thread per core beyond the first, started
/// on first use, shared by every client in the process. A kernel hands <see cref="Run"/> a function and its arguments
/// (pointers into memory the caller keeps pinned until the call returns); each part runs on whichever thread claims it
/// first, the calling thread included, so a worker that is asleep or has no core to run on costs a call nothing but
/// its own speed-up; the call returns when every part is done. Nothing is allocated per call. One caller uses the
/// workers at a time: a second, concurrent caller runs every part itself, as does a caller whose client allows one
/// thread (<see cref="TypedModelOptions.IntraOpThreads"/>). A worker spins for a while after its part (ONNX Runtime's
/// pool does too), so that the next node or call finds it awake, then sleeps until it is woken.
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
    private static int s_parts;
    // The next part to claim: whoever claims a part runs it, so a worker that has not started yet (asleep, or without a
    // core on a busy machine) is never waited for; its parts run on the calling thread. Closed between calls.
    private static int s_next = Closed;
    private static int s_done;
    private static Exception? s_failure;
    private const int Closed = int.MaxValue / 2;

    [ThreadStatic]
    private static int t_limit;

    [ThreadStatic]
    private static float[]? t_scratch;

    /// <summary>The threads a call on this thread may use (at least 1): set by the compiled client as it starts a call.</summary>
    public static int Limit
    {
        get => t_limit <= 0 ? Environment.ProcessorCount : t_limit;
        set => t_limit = value;
    }

    /// <summary>Whether a split is under way (a node inside one runs whole, on the thread that runs its piece).</summary>
    public static bool Busy => Volatile.Read(ref s_busy) != 0;

    /// <summary>
    /// This thread's working memory for a piece of a split node that needs its own: <paramref name="length"/> floats,
    /// allocated when a thread first needs that many and reused after.
    /// </summary>
    public static Span<float> Scratch(int length)
    {
        if (t_scratch is null || t_scratch.Length < length)
            t_scratch = new float[length];
        return t_scratch.AsSpan(0, length);
    }

    /// <summary>Pieces a split node is cut into per thread: a late worker's share is then taken up by the others.</summary>
    public const int PiecesPerThread = 4;

    /// <summary>How many threads a node worth splitting may use on this thread now: 1 when it must stay whole.</summary>
    public static int Parts => Math.Max(1, Math.Min(Limit, s_count + 1));

    /// <summary>
    /// Runs <paramref name="body"/>(arguments, part) once for every part in [0, <paramref name="parts"/>), each on this
    /// thread or a worker, whichever claims it first, and returns when all are done. Rethrows a part's exception.
    /// </summary>
    public static void Run(delegate*<void*, int, void> body, void* arguments, int parts)
    {
        if (parts <= 1 || s_count == 0 || Interlocked.CompareExchange(ref s_busy, 1, 0) != 0)
        {
            for (int part = 0; part < parts; part++)
                body(arguments, part);
            return;
        }
        try
        {
            var workers = s_workers ?? Start();
            s_body = body;
            s_arguments = arguments;
            s_parts = parts;
            s_failure = null;
            Volatile.Write(ref s_done, 0);
            // Opens the parts to claims: the fields above are written before any worker can claim one.
            Volatile.Write(ref s_next, 0);
            for (int i = 0; i < Math.Min(workers.Length, parts - 1); i++)
                workers[i].Wake();
            int ran = 0;
            try
            {
                for (int part; (part = Interlocked.Increment(ref s_next) - 1) < parts; ran++)
                    body(arguments, part);
            }
            finally
            {
                // Only parts a worker has claimed are waited for; then the parts close before the next call's fields are written.
                int done = Interlocked.Add(ref s_done, ran);
                var wait = new SpinWait();
                while (done < parts)
                {
                    wait.SpinOnce(sleep1Threshold: -1);
                    done = Volatile.Read(ref s_done);
                }
                Volatile.Write(ref s_next, Closed);
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

    // Claims and runs parts of the current call until none is left.
    private static void Help()
    {
        int ran = 0;
        for (int part; (part = Interlocked.Increment(ref s_next) - 1) < Volatile.Read(ref s_parts); ran++)
        {
            try
            {
                s_body(s_arguments, part);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref s_failure, e, null);
            }
        }
        if (ran > 0)
            Interlocked.Add(ref s_done, ran);
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
        private int _sleeping;

        public Worker(int index)
        {
            var thread = new Thread(Loop) { IsBackground = true, Name = "TypedModels worker " + (index + 1) };
            thread.Start();
        }

        public void Wake()
        {
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
                Help();
            }
        }
    }
}
