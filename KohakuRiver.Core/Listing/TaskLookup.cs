using KohakuRiver.Core.Client;
using KohakuRiver.Core.Tasks;

namespace KohakuRiver.Core.Listing;

/// <summary>A task found, or the error for one id that could not be looked up.</summary>
public readonly record struct TaskLookup(long? RequestedId, RiverTask? Task, RiverApiException? Error);
