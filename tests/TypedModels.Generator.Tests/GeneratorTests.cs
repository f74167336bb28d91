extern alias buildstep;

using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using static TypedModels.Generator.Tests.TestHelpers;

namespace TypedModels.Generator.Tests;

public class GeneratorTests
{
    private const string Usage = """
        namespace App;
        public static class Usage
        {
            public static float Run(float[] number)
            {
                using var model = new NumberModel();
                var (hidden, predictions) = model.Predict(number);
                return predictions[0] + hidden.Span[0];
            }
        }
        """;

    [Fact]
    public void Item_generates_the_seed_client()
    {
        var (run, output) = Generate(Compilation(Usage), Item(SeedSignature));

        Assert.Empty(run.Diagnostics);
        AssertCompiles(output);
        var source = Assert.Single(run.GeneratedTrees);
        Assert.EndsWith("App.NumberModel.g.cs", source.FilePath);
        Snapshot.Verify(source.ToString(), "SeedModel.Item");
    }

    [Fact]
    public void Attribute_generates_into_the_partial_class_with_the_selected_output()
    {
        const string scorer = """
            using TypedModels;
            namespace App.Scoring;
            [TypedModel("models/number.onnx", Outputs = new[] { "predictions" })]
            public partial class Scorer
            {
                public float Score(float n) => Predict(new[] { n }).Predictions[0];
            }
            """;
        var (run, output) = Generate(Compilation(scorer), Item(SeedSignature));

        Assert.Empty(run.Diagnostics);
        AssertCompiles(output);
        // The item keeps its NumberModel: a class of another name beside it takes nothing away.
        Assert.Equal(["App.NumberModel.g.cs", "App.Scoring.Scorer.g.cs"], run.GeneratedTrees.Select(t => Path.GetFileName(t.FilePath)).Order());
        var source = Assert.Single(run.GeneratedTrees, t => t.FilePath.EndsWith("App.Scoring.Scorer.g.cs"));
        Snapshot.Verify(source.ToString(), "SeedModel.Attribute");
    }

    [Fact]
    public void Item_metadata_names_the_class_namespace_and_outputs()
    {
        var (run, output) = Generate(Compilation(), Item(SeedSignature, className: "Doubler", ns: "Models.Seed", outputs: "predictions;hidden"));

        Assert.Empty(run.Diagnostics);
        AssertCompiles(output);
        var type = output.GetTypeByMetadataName("Models.Seed.Doubler+Result");
        Assert.NotNull(type);
        var deconstruct = type!.GetMembers("Deconstruct").OfType<IMethodSymbol>().Single();
        Assert.Equal(["predictions", "hidden"], deconstruct.Parameters.Select(p => p.Name));
    }

    [Fact]
    public void Nested_partial_class_gets_its_containing_types()
    {
        const string source = """
            using TypedModels;
            namespace App;
            public static partial class Outer
            {
                [TypedModel("models/number.onnx")]
                internal sealed partial class Inner;
            }
            """;
        var (run, output) = Generate(Compilation(source), Item(SeedSignature));

        Assert.Empty(run.Diagnostics);
        AssertCompiles(output);
        Assert.NotNull(output.GetTypeByMetadataName("App.Outer+Inner+Result"));
    }

    [Fact]
    public void TM0001_unknown_output_in_item_metadata_is_located_on_the_item()
    {
        var (run, _) = Generate(Compilation(), Item(SeedSignature, outputs: "predictionz", line: 11));

        var diagnostic = Assert.Single(run.Diagnostics);
        Assert.Equal("TM0001", diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Equal("Model 'models/number.onnx' has no output named 'predictionz'; its outputs are: 'hidden', 'predictions'", diagnostic.GetMessage());
        var span = diagnostic.Location.GetLineSpan();
        Assert.Equal(ProjectFile, span.Path);
        Assert.Equal(11, span.StartLinePosition.Line);
        Assert.Equal(25, span.StartLinePosition.Character);
        Assert.Empty(run.GeneratedTrees);
    }

    [Fact]
    public void TM0001_unknown_output_in_the_attribute_is_located_on_the_argument()
    {
        const string source = """
            using TypedModels;
            namespace App;
            [TypedModel("models/number.onnx", Outputs = new[] { "hidden", "predictionz" })]
            public partial class Scorer;
            """;
        var compilation = Compilation(source);
        var (run, _) = Generate(compilation, Item(SeedSignature));

        var diagnostic = Assert.Single(run.Diagnostics);
        Assert.Equal("TM0001", diagnostic.Id);
        Assert.Contains("'predictionz'", diagnostic.GetMessage());
        var tree = compilation.SyntaxTrees.Single();
        Assert.Equal("/src/App/Source0.cs", diagnostic.Location.GetLineSpan().Path);
        Assert.Equal("\"predictionz\"", tree.GetText().ToString(diagnostic.Location.SourceSpan));
    }

    [Fact]
    public void TM0001_also_for_collection_expressions()
    {
        const string source = """
            using TypedModels;
            namespace App;
            [TypedModel("models/number.onnx", Outputs = ["nope"])]
            public partial class Scorer;
            """;
        var compilation = Compilation(source);
        var (run, _) = Generate(compilation, Item(SeedSignature));

        var diagnostic = Assert.Single(run.Diagnostics);
        Assert.Equal("TM0001", diagnostic.Id);
        Assert.Equal("\"nope\"", compilation.SyntaxTrees.Single().GetText().ToString(diagnostic.Location.SourceSpan));
    }

    [Fact]
    public void TM0002_missing_model_file()
    {
        string text = buildstep::TypedModels.Build.ReadModelSignatures.SignatureFor("/no/such/model.onnx");
        var (run, _) = Generate(Compilation(), Item(text, modelPath: "models/missing.onnx"));

        var diagnostic = Assert.Single(run.Diagnostics);
        Assert.Equal("TM0002", diagnostic.Id);
        Assert.Equal("The model file 'models/missing.onnx' does not exist", diagnostic.GetMessage());
        Assert.Equal(ProjectFile, diagnostic.Location.GetLineSpan().Path);
        Assert.Empty(run.GeneratedTrees);
    }

    [Fact]
    public void TM0003_file_that_is_not_onnx()
    {
        string path = System.IO.Path.GetTempFileName();
        System.IO.File.WriteAllText(path, "this is a text file, not a model\n");
        string text = buildstep::TypedModels.Build.ReadModelSignatures.SignatureFor(path);
        var (run, _) = Generate(Compilation(), Item(text, modelPath: "models/notes.onnx"));

        var diagnostic = Assert.Single(run.Diagnostics);
        Assert.Equal("TM0003", diagnostic.Id);
        Assert.StartsWith("The model file 'models/notes.onnx' could not be read as an ONNX model: ", diagnostic.GetMessage());
        Assert.Equal(ProjectFile, diagnostic.Location.GetLineSpan().Path);
    }

    [Fact]
    public void TM0003_malformed_signature_file_is_a_diagnostic_not_a_crash()
    {
        var (run, _) = Generate(Compilation(), Item("typedmodels-signature\t1\ninput\tx\tTensor\n"));

        Assert.Equal("TM0003", Assert.Single(run.Diagnostics).Id);
        Assert.All(run.Results, r => Assert.Null(r.Exception));
    }

    [Fact]
    public void TM0004_attribute_naming_no_item()
    {
        const string source = """
            using TypedModels;
            namespace App;
            [TypedModel("models/other.onnx")]
            public partial class Scorer;
            """;
        var compilation = Compilation(source);
        var (run, _) = Generate(compilation, Item(SeedSignature));

        var diagnostic = Run(run, "TM0004");
        Assert.Equal("No TypedModel item includes 'models/other.onnx'; add <TypedModel Include=\"models/other.onnx\" /> to the project file", diagnostic.GetMessage());
        Assert.Equal("\"models/other.onnx\"", compilation.SyntaxTrees.Single().GetText().ToString(diagnostic.Location.SourceSpan));
    }

    [Fact]
    public void TM0007_class_not_partial()
    {
        const string source = """
            using TypedModels;
            namespace App;
            [TypedModel("models/number.onnx")]
            public class Scorer;
            """;
        var (run, _) = Generate(Compilation(source), Item(SeedSignature));

        // The analyzer reports it, on the class name; the generator skips the class and says nothing.
        var diagnostic = Assert.Single(Analyze(Compilation(source)));
        Assert.Equal("TM0007", diagnostic.Id);
        Assert.Equal("[TypedModel] cannot generate into 'Scorer': the class must be declared partial", diagnostic.GetMessage());
        Assert.Equal("Scorer", diagnostic.Location.SourceTree!.GetText().ToString(diagnostic.Location.SourceSpan));
        Assert.EndsWith("#tm0007", diagnostic.Descriptor.HelpLinkUri);
        Assert.Empty(run.Diagnostics);
        Assert.DoesNotContain(run.GeneratedTrees, t => t.FilePath.EndsWith("Scorer.g.cs"));
    }

    [Theory]
    [InlineData("public static partial class Scorer;", "a static class cannot hold a client's instance members")]
    [InlineData("public partial class Scorer<T>;", "a generic class cannot carry a model client")]
    [InlineData("public partial record Scorer;", "a record cannot carry a model client; use a class")]
    [InlineData("public class Outer { [TypedModel(\"models/number.onnx\")] public partial class Scorer; }", "its containing type 'Outer' must be a non-generic partial type")]
    public void TM0007_other_invalid_classes(string declaration, string reason)
    {
        string source = "using TypedModels;\nnamespace App;\n" +
            (declaration.Contains("Outer") ? declaration : "[TypedModel(\"models/number.onnx\")]\n" + declaration);
        var (run, _) = Generate(Compilation(source), Item(SeedSignature));

        Assert.Equal($"[TypedModel] cannot generate into 'Scorer': {reason}", Assert.Single(Analyze(Compilation(source)), d => d.Id == "TM0007").GetMessage());
        Assert.DoesNotContain(run.GeneratedTrees, t => t.FilePath.EndsWith("Scorer.g.cs"));
    }

    [Fact]
    public void TM0007_is_not_reported_for_a_valid_class()
    {
        const string source = "using TypedModels;\nnamespace App;\npublic partial class Outer { [TypedModel(\"models/number.onnx\")] public partial class Scorer; }";
        Assert.Empty(Analyze(Compilation(source)));
    }

    [Fact]
    public void TM0005_and_TM0006_unsupported_types()
    {
        const string text = "typedmodels-signature\t1\nir_version\t8\n" +
            "input\tx\tTensor\tfloat\t[$n]\ttensor(float)\t\n" +
            "output\ty\tTensor\tfloat\t[$n]\ttensor(float)\t\n" +
            "output\tz\tSequence\t\t*\tseq(seq(tensor(float)))\t\n";
        var (run, output) = Generate(Compilation(), Item(text, modelPath: "m.onnx"));

        var warning = Run(run, "TM0006");
        Assert.Equal("Output 'z' of model 'm.onnx' is a seq(seq(tensor(float))) value, not a tensor, which TypedModels does not support; the client leaves it out", warning.GetMessage());
        AssertCompiles(output);

        var (asked, _) = Generate(Compilation(), Item(text, modelPath: "m.onnx", outputs: "z"));
        Assert.Equal(DiagnosticSeverity.Error, Run(asked, "TM0005").Severity);
        Assert.Empty(asked.GeneratedTrees);
    }

    [Fact]
    public void A_model_whose_every_output_is_unsupported_is_refused()
    {
        // Found by the conformance run (test_if_opt): a client left with no output compiled,
        // then every call failed in ONNX Runtime ("At least one output should be requested").
        const string text = "typedmodels-signature\t1\nir_version\t8\n" +
            "input\tx\tTensor\tfloat\t[$n]\ttensor(float)\t\n" +
            "output\tz\tMap\t\t*\tmap(int64,tensor(float))\t\n" +
            "output\tw\tSequence\tstring\t[$n]\tseq(tensor(string))\t\n";
        var (run, _) = Generate(Compilation(), Item(text, modelPath: "m.onnx"));

        Assert.Equal(["TM0005", "TM0005"], run.Diagnostics.Select(d => d.Id));
        Assert.All(run.Diagnostics, d => Assert.Equal(DiagnosticSeverity.Error, d.Severity));
        Assert.Equal("Output 'z' of model 'm.onnx' is a map(int64,tensor(float)) value, not a tensor, which TypedModels does not support", run.Diagnostics[0].GetMessage());
        Assert.Empty(run.GeneratedTrees);
    }

    [Fact]
    public void Symbolic_dims_no_input_determines_become_parameters()
    {
        // [batch, seq] alone cannot be split; "seq" is fixed by the second input, then "batch" follows from the first.
        const string text = "typedmodels-signature\t1\nir_version\t8\n" +
            "input\ttokens\tTensor\tint64\t[$batch,$seq]\ttensor(int64)\t\n" +
            "input\tposition\tTensor\tint64\t[$seq]\ttensor(int64)\t\n" +
            "input\tmask\tTensor\tbool\t[$batch,$heads,$seq]\ttensor(bool)\t\n" +
            "output\tlogits\tTensor\tfloat\t[$batch,$seq,8]\ttensor(float)\t\n";
        var (run, output) = Generate(Compilation(), Item(text, modelPath: "m.onnx"));

        Assert.Empty(run.Diagnostics);
        AssertCompiles(output);
        var predict = output.GetTypeByMetadataName("App.MModel")!.GetMembers("Predict").OfType<IMethodSymbol>().Single();
        Assert.Equal(["tokens", "position", "mask"], predict.Parameters.Select(p => p.Name));
    }

    [Fact]
    public void Odd_tensor_names_become_valid_unique_identifiers()
    {
        const string text = "typedmodels-signature\t1\nir_version\t8\n" +
            "input\tinput:0\tTensor\tfloat\t[$n]\ttensor(float)\t\n" +
            "input\tclass\tTensor\tfloat\t[$n]\ttensor(float)\t\n" +
            "output\tonnx::Add_3\tTensor\tfloat\t[$n]\ttensor(float)\t\n" +
            "output\tonnx::Add 3\tTensor\tfloat\t[$n]\ttensor(float)\t\n" +
            "output\t53\tTensor\tfloat\t[$n]\ttensor(float)\t\n";
        var (run, output) = Generate(Compilation(), Item(text, modelPath: "odd.onnx"));

        // The clash is told, not only resolved by a suffix.
        var collision = Run(run, "TM0015");
        Assert.Equal(DiagnosticSeverity.Info, collision.Severity);
        Assert.Equal("'onnx::Add 3' of model 'odd.onnx' would be named OnnxAdd3, but 'onnx::Add_3' already has it; it is named OnnxAdd32. Choose a name with Names=\"…\".", collision.GetMessage());
        AssertCompiles(output);
        var result = output.GetTypeByMetadataName("App.OddModel+Result")!;
        Assert.Equal(["OnnxAdd3", "OnnxAdd32", "Output53"], result.GetMembers().OfType<IPropertySymbol>().Select(p => p.Name));
    }

    [Theory]
    [InlineData("2Fast", null, "The ClassName metadata '2Fast' is not a valid C# class name")]
    [InlineData("class", null, "The ClassName metadata 'class' is not a valid C# class name")]
    [InlineData(null, "My..Models", "The Namespace metadata 'My..Models' is not a valid C# namespace")]
    public void TM0008_invalid_class_name_or_namespace_metadata(string? className, string? ns, string message)
    {
        var (run, _) = Generate(Compilation(), Item(SeedSignature, className: className, ns: ns));

        var diagnostic = Run(run, "TM0008");
        Assert.Equal(message, diagnostic.GetMessage());
        Assert.Equal(ProjectFile, diagnostic.Location.GetLineSpan().Path);
        Assert.Empty(run.GeneratedTrees);
    }

    [Fact]
    public void Sequences_of_tensors_are_spans_of_TensorInput_in_and_TensorSequence_out()
    {
        const string text = "typedmodels-signature\t1\nir_version\t8\n" +
            "input\tparts\tSequence\tfloat\t[$n,3]\tseq(tensor(float))\t\n" +
            "input\tposition\tTensor\tint64\t[]\ttensor(int64)\t\n" +
            "output\tlonger\tSequence\tfloat\t*\tseq(tensor(float))\t\n" +
            "output\tcount\tTensor\tint64\t[]\ttensor(int64)\t\n";
        var (run, output) = Generate(Compilation(), Item(text, modelPath: "seq.onnx"));

        Assert.Empty(run.Diagnostics);
        AssertCompiles(output);
        var predict = output.GetTypeByMetadataName("App.SeqModel")!.GetMembers("Predict").OfType<IMethodSymbol>().Single();
        Assert.Equal(["System.ReadOnlySpan<TypedModels.TensorInput<float>>", "long"], predict.Parameters.Select(p => p.Type.ToDisplayString()));
        var longer = output.GetTypeByMetadataName("App.SeqModel+Result")!.GetMembers("Longer").OfType<IPropertySymbol>().Single();
        Assert.Equal("TypedModels.TensorSequence<float>", longer.Type.ToDisplayString());
        // The sequence's dims are its tensors' own: no symbol of the model, no dim constant, no parameter.
        Assert.DoesNotContain(output.GetTypeByMetadataName("App.SeqModel")!.GetMembers().OfType<IFieldSymbol>(), f => f.IsConst && f.Name.Contains("Dim"));
        Assert.Contains("<c>parts</c>: a sequence of float tensors [n, 3]", run.GeneratedTrees.Single().ToString());
    }

    [Fact]
    public void TM0005_for_a_sequence_of_strings()
    {
        const string text = "typedmodels-signature\t1\nir_version\t8\n" +
            "input\tnames\tSequence\tstring\t[$n]\tseq(tensor(string))\t\n" +
            "output\ty\tTensor\tfloat\t[]\ttensor(float)\t\n";
        var (run, _) = Generate(Compilation(), Item(text, modelPath: "m.onnx"));

        Assert.Equal("Input 'names' of model 'm.onnx' is a sequence of tensors of string, which TypedModels does not support", Run(run, "TM0005").GetMessage());
    }

    [Fact]
    public void A_graph_without_outputs_is_TM0003()
    {
        // Found by the fuzz test once empty results were gone: such a model has nothing a client could return.
        const string text = "typedmodels-signature\t1\nir_version\t8\n" +
            "input\tx\tTensor\tfloat\t[$n]\ttensor(float)\t\n";
        var (run, _) = Generate(Compilation(), Item(text, modelPath: "m.onnx"));

        Assert.Equal("The model file 'm.onnx' could not be read as an ONNX model: its graph declares no output", Run(run, "TM0003").GetMessage());
        Assert.Empty(run.GeneratedTrees);
    }

    [Fact]
    public void TM0010_an_empty_Outputs_list()
    {
        // Noticed while making every-output-unsupported an error: Outputs = [] gave a client whose every call ONNX Runtime refused.
        var source = "namespace App; [TypedModels.TypedModel(\"models/number.onnx\", Outputs = [])] public partial class Scorer;";
        var (run, _) = Generate(Compilation(source), Item(SeedSignature));

        Assert.Equal("Outputs selects no output of model 'models/number.onnx'; name at least one of: 'hidden', 'predictions', or leave Outputs out to get every output",
            Run(run, "TM0010").GetMessage());
        Assert.DoesNotContain(run.GeneratedTrees, t => t.FilePath.EndsWith("Scorer.g.cs"));
    }

    [Fact]
    public void TM0009_two_models_that_would_generate_one_class()
    {
        // Found by the conformance run: two files named model.onnx made the generator throw (CS8785) on a duplicate hint name.
        var (run, _) = Generate(Compilation(), Item(SeedSignature, modelPath: "a/model.onnx", line: 3), Item(SeedSignature, modelPath: "b/model.onnx", line: 4));

        Assert.True(run.Results.Single().Exception is null);
        Assert.Equal([3, 4], run.Diagnostics.Select(d => d.Location.GetLineSpan().StartLinePosition.Line).Order());
        Assert.All(run.Diagnostics, d => Assert.Equal(
            "The class 'App.ModelModel' would be generated for each of the models 'a/model.onnx', 'b/model.onnx'; give each a distinct ClassName or Namespace",
            d.GetMessage()));
        Assert.Empty(run.GeneratedTrees);

        var (renamed, output) = Generate(Compilation(), Item(SeedSignature, modelPath: "a/model.onnx"), Item(SeedSignature, modelPath: "b/model.onnx", className: "Other"));
        Assert.Empty(renamed.Diagnostics);
        Assert.Equal(2, renamed.GeneratedTrees.Length);
        AssertCompiles(output);
    }

    [Fact]
    public void An_attribute_class_of_the_items_own_name_replaces_the_items_class()
    {
        // [TypedModel] on a class named as the item's own (App.OtherModel, from other.onnx) is that item's class now:
        // one OtherModel, on number.onnx, and no TM0009.
        var source = "namespace App; [TypedModels.TypedModel(\"models/number.onnx\")] public partial class OtherModel;";
        var (run, output) = Generate(Compilation(source), Item(SeedSignature), Item(SeedSignature, modelPath: "other.onnx"));

        Assert.Empty(run.Diagnostics);
        AssertCompiles(output);
        Assert.Equal(["App.NumberModel.g.cs", "App.OtherModel.g.cs"], run.GeneratedTrees.Select(t => Path.GetFileName(t.FilePath)).Order());
        Assert.Contains("<c>models/number.onnx</c>", Assert.Single(run.GeneratedTrees, t => t.FilePath.EndsWith("OtherModel.g.cs")).ToString());
    }

    private static Diagnostic Run(GeneratorDriverRunResult run, string id) => Assert.Single(run.Diagnostics, d => d.Id == id);
}
