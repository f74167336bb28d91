using System.Linq;
using Microsoft.CodeAnalysis;
using static TypedModels.Generator.Tests.TestHelpers;

namespace TypedModels.Generator.Tests;

/// <summary>Names a user chooses for tensors (<c>Names</c>): item metadata and attribute, checked like <c>Outputs</c>.</summary>
public class NamesTests
{
    // An output named by a JSON object (commas, quotes, '=' and all) and an input named as PyTorch names them.
    private const string Odd = "typedmodels-signature\t1\nir_version\t8\n" +
        "input\tonnx::Flatten_0\tTensor\tfloat\t[$n,2]\ttensor(float)\t\n" +
        "output\t{\"timer\": \"1,5\", \"x\": \"a=b\"}\tTensor\tfloat\t[$n,3]\ttensor(float)\t\n";

    [Fact]
    public void Item_names_rename_an_input_an_output_and_their_dim_constants()
    {
        var (run, output) = Generate(Compilation(), Item(SeedSignature, names: "number=Amount;predictions=Doubled"));

        Assert.Empty(run.Diagnostics);
        AssertCompiles(output);
        var type = output.GetTypeByMetadataName("App.NumberModel")!;
        var predict = type.GetMembers("Predict").OfType<IMethodSymbol>().Single();
        Assert.Equal("amount", predict.Parameters.Single().Name);
        Assert.Equal(["Hidden", "Doubled"], output.GetTypeByMetadataName("App.NumberModel+Result")!.GetMembers().OfType<IPropertySymbol>().Select(p => p.Name));
        // A dim constant shares its tensor's C# name: DoubledDim1 beside the Doubled property.
        Assert.Equal(["AmountDim1", "HiddenDim1", "DoubledDim1"], type.GetMembers().OfType<IFieldSymbol>().Where(f => f.IsConst && f.Name.EndsWith("Dim1")).Select(f => f.Name));
        // The descriptor carries the parameter, so run-time errors name it.
        Assert.Contains("new global::TypedModels.TensorDescriptor(\"number\", global::Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float, new long[] { -1, 1 }, parameter: \"amount\")",
            run.GeneratedTrees.Single().ToString());
    }

    [Fact]
    public void Attribute_names_can_write_any_onnx_name()
    {
        const string source = """
            using TypedModels;
            namespace App;
            [TypedModel("odd.onnx", Names = ["{\"timer\": \"1,5\", \"x\": \"a=b\"}=Timers", "onnx::Flatten_0=features"])]
            public partial class Timer;
            """;
        var (run, output) = Generate(Compilation(source), Item(Odd, modelPath: "odd.onnx"));

        Assert.Empty(run.Diagnostics);
        AssertCompiles(output);
        var timer = output.GetTypeByMetadataName("App.Timer")!;
        Assert.Equal("features", timer.GetMembers("Predict").OfType<IMethodSymbol>().Single().Parameters.Single().Name);
        Assert.Equal("Timers", output.GetTypeByMetadataName("App.Timer+Result")!.GetMembers().OfType<IPropertySymbol>().Single().Name);
        Assert.Contains("public const int TimersDim1 = 3;", run.GeneratedTrees.Single(t => t.FilePath.EndsWith("App.Timer.g.cs")).ToString());
    }

    [Fact]
    public void Without_names_a_long_name_and_its_constants_share_one_prefix()
    {
        var (run, output) = Generate(Compilation(), Item(Odd, modelPath: "odd.onnx"));

        AssertCompiles(output);
        string property = output.GetTypeByMetadataName("App.OddModel+Result")!.GetMembers().OfType<IPropertySymbol>().Single().Name;
        Assert.Contains($"public const int {property}Dim1 = 3;", run.GeneratedTrees.Single().ToString());
        Assert.Contains("public const int OnnxFlatten0Dim1 = 2;", run.GeneratedTrees.Single().ToString());
    }

    [Theory]
    [InlineData("nope=Scores", "The Names entry 'nope=Scores' of model 'models/number.onnx' cannot be used: the model has no input or output named 'nope'; its names are: 'number', 'hidden', 'predictions'")]
    [InlineData("predictions", "The Names entry 'predictions' of model 'models/number.onnx' cannot be used: write it as onnxName=Identifier")]
    [InlineData("predictions=2x", "The Names entry 'predictions=2x' of model 'models/number.onnx' cannot be used: '2x' is not a C# identifier")]
    [InlineData("number=Scores;predictions=scores", "The Names entry 'predictions=scores' of model 'models/number.onnx' cannot be used: 'number' is already named scores; two tensors cannot share a name")]
    [InlineData("predictions=A;predictions=B", "The Names entry 'predictions=B' of model 'models/number.onnx' cannot be used: 'predictions' is named twice")]
    public void TM0014_a_names_entry_that_cannot_be_used(string names, string message)
    {
        var (run, _) = Generate(Compilation(), Item(SeedSignature, names: names));

        var diagnostic = Assert.Single(run.Diagnostics);
        Assert.Equal("TM0014", diagnostic.Id);
        Assert.Equal(message, diagnostic.GetMessage());
        Assert.Equal(ProjectFile, diagnostic.Location.GetLineSpan().Path);
        Assert.Empty(run.GeneratedTrees);
    }

    [Fact]
    public void TM0014_in_the_attribute_points_at_its_entry()
    {
        const string source = """
            using TypedModels;
            namespace App;
            [TypedModel("models/number.onnx", Names = ["number=Amount", "predictionz=Doubled"])]
            public partial class Scorer;
            """;
        var compilation = Compilation(source);
        var (run, _) = Generate(compilation, Item(SeedSignature));

        var diagnostic = Assert.Single(run.Diagnostics);
        Assert.Equal("TM0014", diagnostic.Id);
        Assert.Equal("\"predictionz=Doubled\"", compilation.SyntaxTrees[0].GetText().ToString(diagnostic.Location.SourceSpan));
    }

    [Fact]
    public void A_chosen_name_the_client_uses_itself_is_told()
    {
        var (run, output) = Generate(Compilation(), Item(SeedSignature, names: "predictions=Deconstruct"));

        AssertCompiles(output);
        var collision = Assert.Single(run.Diagnostics);
        Assert.Equal("TM0015", collision.Id);
        Assert.Equal("'predictions' of model 'models/number.onnx' would be named Deconstruct, but the generated client uses it itself; it is named Deconstruct2. Choose a name with Names=\"…\".",
            collision.GetMessage());
    }
}
