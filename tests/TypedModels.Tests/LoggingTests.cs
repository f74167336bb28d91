using System;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using TypedModels.Load;
using TypedModels.SeedModel.Onnx;

namespace TypedModels.Tests;

/// <summary>
/// These tests watch the process's stderr, so they run alone, after the parallel ones: nothing else writes to it
/// meanwhile, and a level one of them lowers is put back before the next.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class StderrCollection
{
    public const string Name = "stderr";
}

[Collection(StderrCollection.Name)]
public sealed class LoggingTests
{
    private static readonly TypedModelOptions Cpu = new() { ExecutionProvider = ExecutionProviderPreference.Cpu };

    /// <summary>Not a model: ONNX Runtime cannot parse it.</summary>
    private static readonly byte[] Corrupt = [1, 2, 3, 4, 5];

    private static bool CudaLibraryShipped =>
        OperatingSystem.IsLinux() && File.Exists(Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libonnxruntime_providers_cuda.so"));

    [Fact]
    public void The_environment_logs_through_TypedModels_and_warnings_are_the_default_level()
    {
        // Fails if anything in this process touched ONNX Runtime before the first session: every line would then go
        // to stderr on its own, as before.
        using (new NumberModel(Cpu)) { }
        Assert.True(LogRouter.IsRouted);
        Assert.Equal(OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING, TypedModelOptions.Default.LogLevel);
    }

    [Fact]
    public void A_corrupt_model_throws_with_OnnxRuntimes_reason_and_writes_nothing_to_stderr()
    {
        TypedModelException? error = null;
        string stderr = Stderr.During(() => error = Assert.Throws<TypedModelException>(() => ModelSession.Load(NumberModel.Descriptor, Corrupt, Cpu)));

        Assert.Equal("", stderr);
        Assert.StartsWith("NumberModel: ONNX Runtime could not load the model: ", error!.Message);
        Assert.Contains("protobuf parsing failed", error.Message);
        Assert.IsType<OnnxRuntimeException>(error.InnerException);
        // ONNX Runtime logs nothing at warning level for this failure; what it logs below is dropped.
        Assert.Empty(error.OnnxRuntimeLog);
    }

    [Fact]
    public void Lines_at_or_above_the_level_of_a_failing_load_go_into_the_exception_not_to_stderr()
    {
        var before = LogRouter.EnvironmentLevel;
        try
        {
            TypedModelException? error = null;
            string stderr = Stderr.During(() => error = Assert.Throws<TypedModelException>(
                () => ModelSession.Load(NumberModel.Descriptor, Corrupt, Cpu with { LogLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_INFO })));

            Assert.Equal("", stderr);
            // At information level ONNX Runtime says how it set the session up before failing: the session's lines
            // carry the model's name as their log id, as its console would print them.
            Assert.NotEmpty(error!.OnnxRuntimeLog);
            Assert.All(error.OnnxRuntimeLog, line => Assert.Matches(@"^\[[IWEF]:onnxruntime:", line));
            Assert.Contains(error.OnnxRuntimeLog, line => line.StartsWith("[I:onnxruntime:NumberModel, ", StringComparison.Ordinal));
            Assert.Contains("\nONNX Runtime logged:\n[I:onnxruntime:NumberModel, ", error.Message.ReplaceLineEndings("\n"));
            Assert.Contains("protobuf parsing failed", error.Message);
        }
        finally
        {
            LogRouter.EnvironmentLevel = before;
        }
    }

    [Fact]
    public void A_failing_run_keeps_OnnxRuntimes_error_line_in_the_exception_and_off_stderr()
    {
        using var model = new ReshapeModel(Cpu);
        TypedModelException? error = null;
        string stderr = Stderr.During(() => error = Assert.Throws<TypedModelException>(() => model.Predict([1, 2, 3, 4, 5, 6], [5, 5])));

        // ONNX Runtime's error line says what its exception says: the exception carries it, stderr does not.
        Assert.Equal("", stderr);
        Assert.Empty(error!.OnnxRuntimeLog);
        Assert.StartsWith("ReshapeModel: ONNX Runtime failed to run the model: ", error.Message);
        Assert.Contains("The input tensor cannot be reshaped to the requested shape", error.Message);

        // The next failure carries its own reason, and the instance still works.
        var again = Assert.Throws<TypedModelException>(() => model.Predict([1, 2, 3, 4, 5, 6], [4, 4]));
        Assert.Contains("requested shape:{4,4}", again.Message);
        Assert.Equal([2L, 3L], model.Predict([1, 2, 3, 4, 5, 6], [2, 3]).Y.Shape.ToArray());
    }

    [Fact]
    public void A_failure_the_client_recovers_from_logs_nothing_and_is_not_blamed_on_the_next_one()
    {
        using var model = new ReshapeModel(Cpu);
        string stderr = Stderr.During(() =>
        {
            Assert.Equal([2L, 3L], model.Predict([1, 2, 3, 4, 5, 6], [2, 3]).Y.Shape.ToArray());
            // Same input shapes, another output shape: ONNX Runtime fails on the buffers bound for [2, 3] and logs an
            // error; the client runs again and learns the new shape. The caller sees no failure, stderr no line.
            Assert.Equal([3L, 2L], model.Predict([1, 2, 3, 4, 5, 6], [3, 2]).Y.Shape.ToArray());
        });
        Assert.Equal("", stderr);

        var error = Assert.Throws<TypedModelException>(() => model.Predict([1, 2, 3, 4, 5, 6], [5, 5]));
        Assert.Contains("requested shape:{5,5}", error.Message);
        Assert.DoesNotContain("{3,2}", error.Message);
    }

    [Fact]
    public void Lines_below_the_level_are_dropped()
    {
        using var model = new ReshapeModel(Cpu with { LogLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL });
        TypedModelException? error = null;
        string stderr = Stderr.During(() => error = Assert.Throws<TypedModelException>(() => model.Predict([1, 2, 3, 4, 5, 6], [5, 5])));

        Assert.Equal("", stderr);
        Assert.Empty(error!.OnnxRuntimeLog);
        Assert.Contains("The input tensor cannot be reshaped to the requested shape", error.Message);
    }

    [Fact]
    public void Warnings_of_a_load_that_succeeds_are_written_at_warning_level_and_dropped_above_it()
    {
        // An initializer no node uses: ONNX Runtime warns that it removes it.
        string path = SeedModelFile.WriteVariant(m => m.Graph.Initializer.Add(
            new TensorProto { Name = "unused_weights", DataType = (int)TensorProto.Types.DataType.Float, Dims = { 1 }, FloatData = { 1f } }));
        try
        {
            string warned = Stderr.During(() => ModelSession.Load(NumberModel.Descriptor, path, Cpu).Dispose());
            Assert.Contains("[W:onnxruntime:NumberModel, ", warned);
            Assert.Contains("unused_weights", warned);

            string quiet = Stderr.During(() => ModelSession.Load(NumberModel.Descriptor, path, Cpu with { LogLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR }).Dispose());
            Assert.Equal("", quiet);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void The_cuda_probe_of_Auto_is_silent_and_its_reason_names_the_missing_library()
    {
        NumberModel? model = null;
        string stderr = Stderr.During(() => model = new NumberModel());
        using (model)
        {
            Assert.Equal("", stderr);
            var provider = model!.ExecutionProvider;
            if (provider.Provider == ExecutionProviderPreference.Cuda)
                return;
            Assert.StartsWith("Running on CPU. NumberModel: CUDA could not be created", provider.Reason);
            if (CudaLibraryShipped)
                Assert.Contains("libcublasLt.so.13: cannot open shared object file", provider.Reason);
            // The probe's log lines are not repeated in the reason.
            Assert.DoesNotContain("ONNX Runtime logged", provider.Reason);
            Assert.DoesNotContain("provider_bridge_ort.cc", provider.Reason);
        }
    }

    [Fact]
    public void Strict_cuda_on_a_machine_without_it_carries_OnnxRuntimes_log_in_the_exception()
    {
        TypedModelException? error = null;
        NumberModel? model = null;
        string stderr = Stderr.During(() =>
        {
            try
            {
                model = new NumberModel(new TypedModelOptions { ExecutionProvider = ExecutionProviderPreference.Cuda });
            }
            catch (TypedModelException e)
            {
                error = e;
            }
        });
        using (model)
        {
            Assert.Equal("", stderr);
            if (model is not null)
                return; // a machine with CUDA
            Assert.NotNull(error);
            Assert.StartsWith("NumberModel: CUDA could not be created", error.Message);
            if (!CudaLibraryShipped)
                return;
            // ONNX Runtime's exception says only "Failed to load shared library"; its log line names the file and the
            // loader's reason, and comes with the exception instead of going to stderr.
            var line = Assert.Single(error.OnnxRuntimeLog, l => l.StartsWith("[E:onnxruntime:", StringComparison.Ordinal));
            Assert.Contains("libonnxruntime_providers_cuda.so with error: libcublasLt.so.13", line);
            Assert.Contains("ONNX Runtime logged:", error.Message);
            Assert.Contains("libcublasLt.so.13", error.Message);
        }
    }

    [Fact]
    public void An_exception_not_of_a_load_carries_no_log()
    {
        var unrelated = new TypedModelException("Other", "something failed", new InvalidOperationException("inner"));
        Assert.Empty(unrelated.OnnxRuntimeLog);
        Assert.Equal("Other: something failed: inner", unrelated.Message);
    }

    [Fact]
    public void Sessions_created_with_OnnxRuntimes_own_API_keep_their_lines_on_stderr()
    {
        using (new NumberModel(Cpu)) { } // the environment is TypedModels'
        using var session = new InferenceSession(Path.Combine(AppContext.BaseDirectory, ReshapeModel.ModelPath));
        using var x = OrtValue.CreateTensorValueFromMemory(new float[] { 1, 2, 3, 4, 5, 6 }, [6]);
        using var shape = OrtValue.CreateTensorValueFromMemory(new long[] { 5, 5 }, [2]);
        using var run = new RunOptions();
        string stderr = Stderr.During(() => Assert.Throws<OnnxRuntimeException>(() => session.Run(run, session.InputNames, [x, shape], session.OutputNames).Dispose()));

        Assert.Contains("[E:onnxruntime:", stderr);
        Assert.Contains("The input tensor cannot be reshaped to the requested shape", stderr);
        // Nothing of it is left for an exception of TypedModels on this thread.
        Assert.Empty(new TypedModelException("Other", "something failed", new InvalidOperationException("inner")).OnnxRuntimeLog);
    }

    /// <summary>
    /// What the process writes to stderr while an action runs: ONNX Runtime's own sink writes to file descriptor 2
    /// (redirected to a file here), TypedModels' through <see cref="Console.Error"/> (replaced).
    /// </summary>
    private static class Stderr
    {
        public static string During(Action action)
        {
            var console = Console.Error;
            var managed = new StringWriter();
            string file = Path.Combine(Path.GetTempPath(), $"typedmodels-stderr-{Guid.NewGuid():N}.txt");
            int saved = -1;
            using (var handle = File.Open(file, FileMode.CreateNew, FileAccess.ReadWrite))
            {
                if (!OperatingSystem.IsWindows())
                {
                    saved = Dup(2);
                    Assert.True(saved >= 0);
                    Assert.True(Dup2((int)handle.SafeFileHandle.DangerousGetHandle(), 2) >= 0);
                }
                Console.SetError(managed);
                try
                {
                    action();
                }
                finally
                {
                    Console.SetError(console);
                    if (saved >= 0)
                    {
                        Dup2(saved, 2);
                        Close(saved);
                    }
                }
            }
            string native = File.ReadAllText(file);
            File.Delete(file);
            return native + managed;
        }

        [DllImport("libc", EntryPoint = "dup")]
        private static extern int Dup(int fd);

        [DllImport("libc", EntryPoint = "dup2")]
        private static extern int Dup2(int oldFd, int newFd);

        [DllImport("libc", EntryPoint = "close")]
        private static extern int Close(int fd);
    }
}
