namespace KohakuRiver.Core.Waiting;

/// <summary>"k of n finished", for a progress bar.</summary>
public readonly record struct WaitProgress(int Finished, int Total)
{
    public int PercentComplete => Total == 0 ? 100 : (int)(100L * Finished / Total);
    public override string ToString() => $"{Finished} of {Total} finished";
}
