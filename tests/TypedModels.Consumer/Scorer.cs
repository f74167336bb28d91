using TypedModels;

namespace TypedModels.Consumer;

/// <summary>The seed model's predictions only: the hidden layer is never fetched.</summary>
[TypedModel("../../models/number.onnx", Outputs = ["predictions"])]
public sealed partial class Scorer
{
    /// <summary>The model's estimate of 2·<paramref name="number"/>.</summary>
    public float Double(float number) => Predict([number]).Predictions[0];
}
