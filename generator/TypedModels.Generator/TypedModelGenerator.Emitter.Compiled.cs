using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using TypedModels.Generator.Helpers;
using TypedModels.Generator.Models;

namespace TypedModels.Generator;

public sealed partial class TypedModelGenerator
{
    internal static partial class Emitter
    {
        private const string Kernels = "global::TypedModels.Compiled.Kernels";

        /// <summary>
        /// The compiled half of a <c>Backend="Compiled"</c> client: the weights as static data and the kernel calls.
        /// <code>
        /// private Result PredictCompiled(global::System.ReadOnlySpan&lt;float&gt; number)
        /// {
        ///     var __compiled = _compiled!;
        ///     global::System.Span&lt;long&gt; __symbols = stackalloc long[1];
        ///     __compiled.Enter(stackalloc int[] { number.Length }, default, __symbols);
        ///     try
        ///     {
        ///         long __s0 = __symbols[0];
        ///         var __arena = __compiled.Arena(__s0 * 2L + __s0 * 4L);
        ///         …
        ///         // dense (Gemm)
        ///         global::TypedModels.Compiled.Kernels.Gemm(a: __v1, b: __Weights0, c: __Weights1, cRows: 1, cColumns: 4, d: __v2, m: (int)__s0, n: 4, k: 2, …);
        ///         …
        ///     }
        ///     finally { __compiled.Exit(); }
        /// }
        /// </code>
        /// A model under the weight limit still writes a megabyte of literals: <paramref name="cancellationToken"/> is
        /// checked per kernel call and per chunk of each weight array.
        /// </summary>
        /// <exception cref="System.OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
        internal static void WriteCompiled(SourceWriter w, ClientSpec client, ComputePlan plan, CancellationToken cancellationToken = default)
        {
            var symbolParameters = client.Symbols.Where(s => s.Parameter is not null).ToList();
            var used = new HashSet<int>();
            var dims = new List<string>();
            using (w.Block($"private Result PredictCompiled({Parameters(client)})"))
            {
                w.WriteLine("var __compiled = _compiled!;");
                // Up to three inputs, lengths go as arguments: a stackalloc would cost a small model more than its arithmetic.
                var lengths = client.Inputs.Select(i => i.IsScalar ? "1" : i.Identifier + ".Length").ToList();
                w.WriteLine(symbolParameters.Count == 0 && lengths.Count is >= 1 and <= 3
                    ? $"var __symbols = __compiled.Enter({string.Join(", ", lengths)});"
                    : $"var __symbols = __compiled.Enter(stackalloc int[] {{ {string.Join(", ", lengths)} }}, " +
                        (symbolParameters.Count == 0 ? "default" : GivenSymbols(client)) + ");");
                using (w.Block("try"))
                    WriteSteps(w, client, plan, used, dims, cancellationToken);
                using (w.Block("finally"))
                    w.WriteLine("__compiled.Exit();");
            }
            w.WriteLine();

            // Only the constants a kernel call reads: an inlined layer carries its weights in its code.
            foreach (int c in used.OrderBy(c => c))
                WriteConstant(w, plan.Constants[c], c, cancellationToken);
            for (int d = 0; d < dims.Count; d++)
            {
                w.WriteLine($"private static readonly int[] __Dims{d} = new int[] {{ {dims[d]} }};");
                w.WriteLine();
            }
        }

        private static void WriteSteps(SourceWriter w, ClientSpec client, ComputePlan plan, HashSet<int> used, List<string> dims, CancellationToken cancellationToken)
        {
            for (int s = 0; s < client.Symbols.Count; s++)
                w.WriteLine($"long __s{s} = __symbols[{s}];");

            // Values whose lifetimes do not overlap share a slot of the arena (ArenaLayout).
            var (slotOf, slots) = ArenaLayout.Assign(plan);
            var slotSizes = slots.Select(s => Size(s.Symbols.Select(PlanDim.Of).Append(PlanDim.Fixed(s.Factor)).ToEquatableArray())).ToList();
            w.WriteLine($"var __arena = __compiled.Arena({(slots.Count == 0 ? "0" : string.Join(" + ", slotSizes))});");
            if (slots.Count > 0)
                w.WriteLine("int __at = 0;");
            for (int k = 0; k < slots.Count; k++)
                w.WriteLine($"int __o{k} = __at; __at += (int)({slotSizes[k]});");
            for (int v = 0; v < plan.Values.Count; v++)
            {
                if (slotOf[v] >= 0)
                    w.WriteLine($"var __v{v} = __arena.Slice(__o{slotOf[v]}, (int)({Size(plan.Values[v].Shape)}));");
            }

            foreach (var step in plan.Steps)
            {
                cancellationToken.ThrowIfCancellationRequested();
                w.WriteLine($"// {Comment(step.Node)} ({step.OpType})");
                if (!TryWriteInline(w, step, client, plan, used))
                    w.WriteLine($"{Kernels}.{step.Kernel}({string.Join(", ", step.Args.Select(a => a.Name + ": " + Argument(a, client, plan, used, dims)))});");
            }

            w.WriteLine("var __shapes = __compiled.Shapes;");
            int at = 0;
            var views = new List<string>();
            for (int o = 0; o < plan.Outputs.Count; o++)
            {
                var value = plan.Values[plan.Outputs[o]];
                for (int d = 0; d < value.Shape.Count; d++)
                    w.WriteLine($"__shapes[{at + d}] = {Dim(value.Shape[d])};");
                views.Add($"new {TensorView}<float>({Tensor(plan.Outputs[o], client, plan)}, new {ReadOnlySpan}<long>(__shapes, {at}, {value.Shape.Count}))");
                at += value.Shape.Count;
            }
            w.WriteLine($"return new Result({string.Join(", ", views)});");
        }

        // Up to this many weights, a layer is written out as arithmetic on constants rather than a kernel call: for a
        // layer this small a call and its loops cost more than the multiplications. Beyond it the vector kernel wins, its
        // lanes summing several outputs at once where straight-line code waits on one chain of additions per output
        // (measured: 8 → 16 → 8 written out ran at a third of the kernel's speed).
        private const int InlineWeights = 64;

        // How many weights are written between two looks at the cancellation token.
        private const int WeightsPerCancellationCheck = 4096;

        // The most values of a constant written as float literals; larger ones are base64 data (see WriteConstant).
        private const int LiteralWeights = 256;

        /// <summary>
        /// Writes small steps as straight-line code: a dense layer (Gemm, or MatMul by a constant matrix) with few
        /// weights as one expression per output with the weights as literals, and a Tile of the last dim as
        /// assignments. Each row's sums run in the kernels' order (inputs in order, then alpha, then the bias), so
        /// inlined and called steps round alike. False when the step is not one of those.
        /// </summary>
        private static bool TryWriteInline(SourceWriter w, PlanStep step, ClientSpec client, ComputePlan plan, HashSet<int> used)
        {
            string Span(string name) => Tensor((int)step[name].Integer, client, plan, used);
            switch (step.Kernel)
            {
                case "Gemm" when !step["transA"].IsTrue && IsFixed(step["n"]) && IsFixed(step["k"]) && Constant(step["b"], plan) is { } b
                    && (step["c"].Integer < 0 || (Constant(step["c"], plan) is not null && IsFixed(step["cRows"]) && step["cRows"].Dims[0].Value == 1)):
                {
                    int n = (int)step["n"].Dims[0].Value, k = (int)step["k"].Dims[0].Value;
                    if (n * k > InlineWeights)
                        return false;
                    bool transB = step["transB"].IsTrue;
                    var c = step["c"].Integer < 0 ? null : Constant(step["c"], plan);
                    int cColumns = (int)step["cColumns"].Dims[0].Value;
                    float alpha = step["alpha"].Real, beta = step["beta"].Real;
                    WriteDense(w, Span("a"), Span("d"), Count(step["m"].Dims), n, k,
                        (p, j) => b.Values[transB ? j * k + p : p * n + j], alpha, c is null || beta == 0 ? null : j => beta * c.Values[cColumns == 1 ? 0 : j]);
                    return true;
                }
                case "MatMul" when step["aBatch"].Dims.Count == 0 && step["bBatch"].Dims.Count == 0 && IsFixed(step["k"]) && IsFixed(step["n"]) && Constant(step["b"], plan) is { } b:
                {
                    int k = (int)step["k"].Dims[0].Value, n = (int)step["n"].Dims[0].Value;
                    if (n * k > InlineWeights)
                        return false;
                    WriteDense(w, Span("a"), Span("d"), Count(step["m"].Dims), n, k, (p, j) => b.Values[p * n + j], 1f, null);
                    return true;
                }
                case "Tile" when step["shape"].Dims is { Count: > 0 } shape && shape[shape.Count - 1].IsFixed
                    && step["repeats"].Dims is var repeats && repeats.Take(repeats.Count - 1).All(r => r.Value == 1):
                {
                    int width = (int)shape[shape.Count - 1].Value, times = (int)repeats[repeats.Count - 1].Value;
                    if (width * times > InlineWeights || width == 0)
                        return false;
                    using (w.Block($"for (int __i = 0, __rows = {Count(shape.Take(shape.Count - 1).ToEquatableArray())}; __i < __rows; __i++)"))
                    {
                        w.WriteLine($"var __in = {Span("x")}.Slice(__i * {width}, {width});");
                        w.WriteLine($"var __out = {Span("d")}.Slice(__i * {width * times}, {width * times});");
                        for (int r = 0; r < times; r++)
                            for (int j = 0; j < width; j++)
                                w.WriteLine($"__out[{r * width + j}] = __in[{j}];");
                    }
                    return true;
                }
                default:
                    return false;
            }
        }

        /// <summary>
        /// <code>
        /// for (int __i = 0, __rows = (int)(__s0); __i &lt; __rows; __i++)
        /// {
        ///     var __in = __v1.Slice(__i * 2, 2);
        ///     var __out = __v2.Slice(__i * 4, 4);
        ///     float __x0 = __in[0], __x1 = __in[1];
        ///     __out[0] = __x0 * 0.608565927f + __x1 * -0.39077875f + 2.50539136f;
        ///     …
        /// }
        /// </code>
        /// </summary>
        private static void WriteDense(SourceWriter w, string input, string output, string rows, int n, int k,
            System.Func<int, int, float> weight, float alpha, System.Func<int, float>? bias)
        {
            using (w.Block($"for (int __i = 0, __rows = {rows}; __i < __rows; __i++)"))
            {
                w.WriteLine($"var __in = {input}.Slice(__i * {k}, {k});");
                w.WriteLine($"var __out = {output}.Slice(__i * {n}, {n});");
                if (k > 0)
                    w.WriteLine("float " + string.Join(", ", Enumerable.Range(0, k).Select(p => $"__x{p} = __in[{p}]")) + ";");
                for (int j = 0; j < n; j++)
                {
                    string sum = k == 0 ? "0f" : string.Join(" + ", Enumerable.Range(0, k).Select(p => $"__x{p} * {Parenthesized(weight(p, j))}"));
                    if (alpha != 1f)
                        sum = $"({sum}) * {Parenthesized(alpha)}";
                    if (bias is not null)
                        sum = $"{sum} + {Parenthesized(bias(j))}";
                    w.WriteLine($"__out[{j}] = {sum};");
                }
            }
        }

        private static string Parenthesized(float value) => FloatLiteral(value) is var text && text.StartsWith("-", System.StringComparison.Ordinal) ? $"({text})" : text;

        /// <summary>The index of <paramref name="item"/> in <paramref name="list"/>, added at the end if it is not there yet.</summary>
        private static int Index(List<string> list, string item)
        {
            int index = list.IndexOf(item);
            if (index >= 0)
                return index;
            list.Add(item);
            return list.Count - 1;
        }

        private static bool IsFixed(PlanArg count) => count.Dims.Count == 1 && count.Dims[0].IsFixed;

        /// <summary>The constant a tensor argument reads, following aliases; null when it is computed or given.</summary>
        private static PlanConstant? Constant(PlanArg tensor, ComputePlan plan)
        {
            if (tensor.Integer < 0)
                return null;
            var value = plan.Values[(int)tensor.Integer];
            while (value.Storage == Storage.Alias)
                value = plan.Values[value.Source];
            return value.Storage == Storage.Constant ? plan.Constants[value.Source] : null;
        }

        /// <summary>
        /// A constant as a static read-only array, made once when the class is first used: an array allocates nothing per
        /// call in every configuration (a <c>ReadOnlySpan&lt;float&gt;</c> property over data in the image allocates on each
        /// read in a Debug build). Up to <see cref="LiteralWeights"/> values are written as float literals, to be read; more
        /// as one base64 UTF-8 literal of their bytes, which <c>Kernels.Weights</c> decodes: the compiler reads a string as one
        /// token, where a megabyte of float literals is 260,000 expressions to parse and bind on every build of the project.
        /// </summary>
        private static void WriteConstant(SourceWriter w, PlanConstant constant, int index, CancellationToken cancellationToken)
        {
            var values = constant.Values;
            w.WriteLine($"/// <summary><c>{Xml(constant.Name)}</c>: {values.Count} value{(values.Count == 1 ? "" : "s")} from the model.</summary>");
            if (values.Count > LiteralWeights)
            {
                w.WriteLine($"private static readonly float[] __Weights{index} = {Kernels}.Weights(");
                WriteBase64(w, values, cancellationToken);
                w.WriteLine();
                return;
            }
            w.WriteLine($"private static readonly float[] __Weights{index} = new float[]");
            w.WriteLine("{");
            // Eight values a line, read by index: Skip(i).Take(8) would walk the array from its start for every line.
            var line = new string[8];
            for (int i = 0; i < values.Count; i += line.Length)
            {
                int n = System.Math.Min(line.Length, values.Count - i);
                for (int j = 0; j < n; j++)
                    line[j] = FloatLiteral(values[i + j]);
                w.WriteLine("    " + string.Join(", ", line, 0, n) + ",");
            }
            w.WriteLine("};");
            w.WriteLine();
        }

        /// <summary>
        /// The values' little-endian bytes in base64 as one UTF-8 string literal on one line, closed by <c>"u8);</c>: a byte a
        /// character in the image. (Measured on a 2 MB model, after an unrelated edit: float literals made a build 3.3× the
        /// ONNX Runtime client's; this line 1.4×; a multi-line raw literal 1.7×; a UTF-16 string 1.2×, with an image twice as large.)
        /// </summary>
        private static void WriteBase64(SourceWriter w, EquatableArray<float> values, CancellationToken cancellationToken)
        {
            var bytes = new byte[values.Count * 4];
            for (int i = 0; i < values.Count; i++)
            {
                if (i % WeightsPerCancellationCheck == 0)
                    cancellationToken.ThrowIfCancellationRequested();
                byte[] value = System.BitConverter.GetBytes(values[i]);
                if (!System.BitConverter.IsLittleEndian)
                    System.Array.Reverse(value);
                System.Buffer.BlockCopy(value, 0, bytes, i * 4, 4);
            }
            string text = System.Convert.ToBase64String(bytes);
            w.WriteLine("    \"" + text + "\"u8);");
        }

        private static string Argument(PlanArg arg, ClientSpec client, ComputePlan plan, HashSet<int> used, List<string> dims) => arg.Kind switch
        {
            ArgKind.Tensor => arg.Integer < 0 ? "default" : Tensor((int)arg.Integer, client, plan, used),
            ArgKind.Shape when arg.Dims.Count == 0 => $"{ReadOnlySpan}<int>.Empty",
            // Dims all known at compile time become a static array: a stackalloc of constants is filled from data in the
            // image through RuntimeHelpers.CreateSpan, which allocates on every call in a Debug build.
            ArgKind.Shape when arg.Dims.All(d => d.IsFixed) => $"__Dims{Index(dims, string.Join(", ", arg.Dims.Select(d => Number(d.Value))))}",
            ArgKind.Shape => $"stackalloc int[] {{ {string.Join(", ", arg.Dims.Select(d => d.IsFixed ? Number(d.Value) : $"(int)__s{d.Symbol}"))} }}",
            ArgKind.Count => Count(arg.Dims),
            ArgKind.Float => FloatLiteral(arg.Real),
            _ => arg.Integer != 0 ? "true" : "false",
        };

        /// <summary>The span a value lives in: a parameter, a static constant, or its slice of the arena (an alias is its source's).</summary>
        private static string Tensor(int index, ClientSpec client, ComputePlan plan, HashSet<int>? used = null)
        {
            var value = plan.Values[index];
            if (value.Storage == Storage.Constant)
                used?.Add(value.Source);
            return value.Storage switch
            {
                Storage.Input when client.Inputs[value.Source].IsScalar => $"new {ReadOnlySpan}<float>(in {client.Inputs[value.Source].Identifier})",
                Storage.Input => client.Inputs[value.Source].Identifier,
                Storage.Constant => $"__Weights{value.Source}",
                Storage.Alias => Tensor(value.Source, client, plan, used),
                _ => $"__v{index}",
            };
        }

        /// <summary>The number of elements of a shape, as a <c>long</c> expression (the arena's size is checked before any is cast to int).</summary>
        private static string Size(EquatableArray<PlanDim> shape)
        {
            long product = shape.Where(d => d.IsFixed).Aggregate(1L, (p, d) => p * d.Value);
            var symbols = shape.Where(d => !d.IsFixed).Select(d => $"__s{d.Symbol}").ToList();
            if (product == 0 || symbols.Count == 0)
                return Number(product) + "L";
            return string.Join(" * ", product == 1 ? symbols : symbols.Append(Number(product) + "L"));
        }

        /// <summary>The number of elements of dims as an <c>int</c> expression: a literal when every dim is fixed.</summary>
        private static string Count(EquatableArray<PlanDim> dims) => dims.All(d => d.IsFixed)
            ? Number(dims.Aggregate(1L, (p, d) => p * d.Value))
            : $"(int)({Size(dims)})";

        private static string Dim(PlanDim dim) => dim.IsFixed ? Number(dim.Value) : $"__s{dim.Symbol}";

        /// <summary>A float as C# source that reads back bit for bit: nine significant digits, or the named constants.</summary>
        private static string FloatLiteral(float value)
        {
            if (float.IsNaN(value))
                return "float.NaN";
            if (float.IsPositiveInfinity(value))
                return "float.PositiveInfinity";
            if (float.IsNegativeInfinity(value))
                return "float.NegativeInfinity";
            if (value == 0 && 1f / value < 0)
                return "-0f";
            return value.ToString("G9", CultureInfo.InvariantCulture) + "f";
        }

        /// <summary>A node name made safe for a line comment.</summary>
        private static string Comment(string text) => new(text.Select(c => char.IsControl(c) ? ' ' : c).ToArray());
    }
}
