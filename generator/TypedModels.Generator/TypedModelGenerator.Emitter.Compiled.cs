using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using TypedModels.Generator.Compiled;
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
        ///     var __symbols = __compiled.Enter(number.Length);
        ///     try
        ///     {
        ///         long __s0 = __symbols[0];
        ///         var __arena = __compiled.Arena&lt;float&gt;(__s0 * 2L + __s0 * 4L);
        ///         …
        ///         // dense (Gemm)
        ///         global::TypedModels.Compiled.Kernels.Gemm(a: __v1, b: __Weights0, c: __Weights1, cRows: 1, cColumns: 4, d: __v2, m: (int)__s0, n: 4, k: 2, …);
        ///         …
        ///     }
        ///     finally { __compiled.Exit(); }
        /// }
        /// </code>
        /// Each step writes its own code (<see cref="PlanStep.Emit"/>); the arena is laid out from the values the steps
        /// name, so the steps are written first and the arena's lines above them. A model under the weight limit still
        /// writes a megabyte of weights: <paramref name="cancellationToken"/> is checked per step and per chunk of weights.
        /// </summary>
        /// <exception cref="System.OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
        internal static void WriteCompiled(SourceWriter w, ClientSpec client, ComputePlan plan, CancellationToken cancellationToken = default)
        {
            var steps = new StepWriter(client, plan);
            foreach (var step in plan.Steps)
            {
                cancellationToken.ThrowIfCancellationRequested();
                steps.BeginStep();
                steps.Write(step);
            }

            var symbolParameters = client.Symbols.Where(s => s.Parameter is not null).ToList();
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
                {
                    WriteArena(w, client, plan, steps);
                    w.WriteLine(steps.Code.ToString().TrimEnd('\n'));
                    WriteResult(w, client, plan, steps);
                }
                using (w.Block("finally"))
                    w.WriteLine("__compiled.Exit();");
            }
            w.WriteLine();

            // Only the constants a kernel call reads: an inlined layer carries its weights in its code.
            foreach (int c in steps.UsedConstants.OrderBy(c => c))
                WriteConstant(w, plan.Constants[c], c, cancellationToken);
            for (int d = 0; d < steps.DimArrays.Count; d++)
            {
                w.WriteLine($"private static readonly int[] __Dims{d} = new int[] {{ {steps.DimArrays[d]} }};");
                w.WriteLine();
            }
        }

        /// <summary>The symbols, then one arena per element type, cut into slots, and each arena value's slice of its slot.</summary>
        private static void WriteArena(SourceWriter w, ClientSpec client, ComputePlan plan, StepWriter steps)
        {
            for (int s = 0; s < client.Symbols.Count; s++)
                w.WriteLine($"long __s{s} = __symbols[{s}];");
            for (int k = 0; k < plan.DerivedSymbols.Count; k++)
                w.WriteLine($"long __s{client.Symbols.Count + k} = {plan.DerivedSymbols[k]};");

            // Values whose lifetimes do not overlap share a slot of the arena (ArenaLayout).
            var (slotOf, slots) = ArenaLayout.Assign(plan, steps.Mentions);
            var sizes = slots.Select(s => StepWriter.Size(s.Symbols.Select(PlanDim.Of).Append(PlanDim.Fixed(s.Factor)))).ToList();
            foreach (var type in slots.Select(s => s.ElementType).Distinct())
            {
                var mine = Enumerable.Range(0, slots.Count).Where(k => slots[k].ElementType == type).ToList();
                string arena = ArenaName(type);
                w.WriteLine($"var {arena} = __compiled.Arena<{StepWriter.Clr(type)}>({string.Join(" + ", mine.Select(k => sizes[k]))});");
                w.WriteLine($"int {arena}At = 0;");
                foreach (int k in mine)
                    w.WriteLine($"int __o{k} = {arena}At; {arena}At += (int)({sizes[k]});");
            }
            for (int v = 0; v < plan.Values.Count; v++)
            {
                if (slotOf[v] >= 0)
                    w.WriteLine($"var __v{v} = {ArenaName(plan.Values[v].ElementType)}.Slice(__o{slotOf[v]}, (int)({StepWriter.Size(plan.Values[v].Shape)}));");
            }
        }

        private static string ArenaName(string elementType) => elementType == "float" ? "__arena" : "__arena_" + elementType;

        private static void WriteResult(SourceWriter w, ClientSpec client, ComputePlan plan, StepWriter steps)
        {
            w.WriteLine("var __shapes = __compiled.Shapes;");
            int at = 0;
            var views = new List<string>();
            for (int o = 0; o < plan.Outputs.Count; o++)
            {
                var value = plan.Values[plan.Outputs[o]];
                for (int d = 0; d < value.Shape.Count; d++)
                    w.WriteLine($"__shapes[{at + d}] = {StepWriter.Dim(value.Shape[d])};");
                views.Add($"new {TensorView}<{StepWriter.Clr(value.ElementType)}>({steps.Tensor(plan.Outputs[o])}, new {ReadOnlySpan}<long>(__shapes, {at}, {value.Shape.Count}))");
                at += value.Shape.Count;
            }
            w.WriteLine($"return new Result({string.Join(", ", views)});");
        }

        // How many weights are written between two looks at the cancellation token.
        private const int WeightsPerCancellationCheck = 4096;

        // The most values of a constant written as literals; larger ones are base64 data (see WriteConstant).
        private const int LiteralWeights = 256;

        /// <summary>
        /// A constant as a static read-only array, made once when the class is first used: an array allocates nothing per
        /// call in every configuration (a <c>ReadOnlySpan&lt;float&gt;</c> property over data in the image allocates on each
        /// read in a Debug build). Up to <see cref="LiteralWeights"/> values are written as literals, to be read; more
        /// as one string of their bytes, <see cref="Pack">15 bits a character</see>, which <c>Kernels.Weights</c> unpacks.
        /// The compiler reads a string as one token and copies it to the image as it is, where it parses and binds a float
        /// literal per weight, and, slower still, a UTF-8 literal byte by byte. Measured with csc on 2.6 MB of data: a
        /// UTF-8 literal 4.6–5.0 s and 460 MB, a base64 string 1.2–1.5 s (a 5.2 MB image, UTF-16), this string 1.1 s
        /// (a 2.1 MB image), a library with no data 0.8 s.
        /// </summary>
        private static void WriteConstant(SourceWriter w, PlanConstant constant, int index, CancellationToken cancellationToken)
        {
            string clr = StepWriter.Clr(constant.ElementType);
            w.WriteLine($"/// <summary><c>{Xml(constant.Name)}</c>: {constant.Count} value{(constant.Count == 1 ? "" : "s")} from the model.</summary>");
            if (constant.Count > LiteralWeights)
            {
                w.WriteLine($"private static readonly {clr}[] __Weights{index} = {Kernels}.Weights<{clr}>({constant.Count},");
                w.WriteLine("    \"" + Pack(Convert.FromBase64String(constant.Data), cancellationToken) + "\");");
                w.WriteLine();
                return;
            }
            var literals = Literals(constant, cancellationToken);
            w.WriteLine($"private static readonly {clr}[] __Weights{index} = new {clr}[]");
            w.WriteLine("{");
            // Eight values a line.
            for (int i = 0; i < literals.Count; i += 8)
                w.WriteLine("    " + string.Join(", ", literals.Skip(i).Take(8)) + ",");
            w.WriteLine("};");
            w.WriteLine();
        }

        /// <summary>A small constant's elements as C# literals of its type, read from its little-endian bytes.</summary>
        /// <summary>
        /// <paramref name="bytes"/> as a string of 15 bits a character, least significant first, each the character
        /// U+4000 + its bits: every one a letter of the Basic Multilingual Plane (no surrogate, quote, backslash or line
        /// break, so no escape), 1.07 times the bytes in the image's UTF-16. <c>Kernels.Weights</c> is the inverse.
        /// </summary>
        internal static string Pack(byte[] bytes, CancellationToken cancellationToken = default)
        {
            var text = new StringBuilder((bytes.Length * 8 + 14) / 15);
            uint buffer = 0;
            int bits = 0;
            for (int i = 0; i < bytes.Length; i++)
            {
                if (i % (WeightsPerCancellationCheck * 4) == 0)
                    cancellationToken.ThrowIfCancellationRequested();
                buffer |= (uint)bytes[i] << bits;
                bits += 8;
                if (bits >= 15)
                {
                    text.Append((char)(0x4000 + (buffer & 0x7FFF)));
                    buffer >>= 15;
                    bits -= 15;
                }
            }
            if (bits > 0)
                text.Append((char)(0x4000 + buffer));
            return text.ToString();
        }

        private static List<string> Literals(PlanConstant constant, CancellationToken cancellationToken)
        {
            byte[] bytes = System.Convert.FromBase64String(constant.Data);
            int size = ElementTypes.SizeOf(constant.ElementType);
            var literals = new List<string>(constant.Count);
            for (int i = 0; i < constant.Count; i++)
            {
                if (i % WeightsPerCancellationCheck == 0)
                    cancellationToken.ThrowIfCancellationRequested();
                int at = i * size;
                literals.Add(constant.ElementType switch
                {
                    "float" => StepWriter.Float(System.BitConverter.ToSingle(bytes, at)),
                    "double" => StepWriter.Double(System.BitConverter.ToDouble(bytes, at)),
                    "bool" => bytes[at] != 0 ? "true" : "false",
                    "int8" => Number((sbyte)bytes[at]),
                    "uint8" => Number(bytes[at]),
                    "int16" => Number(System.BitConverter.ToInt16(bytes, at)),
                    "uint16" => Number(System.BitConverter.ToUInt16(bytes, at)),
                    "int32" => Number(System.BitConverter.ToInt32(bytes, at)),
                    "uint32" => System.BitConverter.ToUInt32(bytes, at).ToString(System.Globalization.CultureInfo.InvariantCulture) + "u",
                    "uint64" => System.BitConverter.ToUInt64(bytes, at).ToString(System.Globalization.CultureInfo.InvariantCulture) + "ul",
                    _ => System.BitConverter.ToInt64(bytes, at) is var l && l == long.MinValue ? "long.MinValue" : Number(System.BitConverter.ToInt64(bytes, at)) + "L",
                });
            }
            return literals;
        }
    }
}
