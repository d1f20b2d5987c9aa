using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using KohakuRiver.Core.Models;
using KohakuRiver.Core.Tasks;
using KohakuRiver.Core.Wire;

namespace KohakuRiver.Core.Client;

public enum TaskOutputStream
{
    Stdout,
    Stderr,
}
