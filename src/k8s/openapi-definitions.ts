/**
 * The schemas of our OpenAPI documents (k8s/openapi.ts), in Swagger 2.0 form under their Kubernetes model names.
 *
 * - The metrics types are k8s.io/metrics' as openapi-gen generates them (kubernetes/kubernetes
 *   pkg/generated/openapi/zz_generated.openapi.go: schema_pkg_apis_custom_metrics_v1beta1_*, _v1beta2_*,
 *   schema_pkg_apis_external_metrics_v1beta1_*), with the group-version-kind extension a scheme-aware builder adds.
 * - The shared apimachinery/core types are byte-for-byte what kube-apiserver v1.37.2 serves at /openapi/v2. The
 *   aggregator merges every APIService's spec into its own and renames a definition whose name it already has with
 *   different content (kube-openapi pkg/aggregator MergeSpecsIgnorePathConflictRenamingDefinitionsAndParameters),
 *   so identical copies merge silently; on another Kubernetes version a differing copy is kept under a new name,
 *   which is harmless. test/k8s/scenarios checks the merge on a real kube-apiserver.
 */
export type Schema = { readonly [key: string]: unknown };

/** apimachinery and core/v1 types, as kube-apiserver v1.37.2 serves them. */
export const SHARED_DEFINITIONS: Readonly<Record<string, Schema>> = {
  "io.k8s.api.core.v1.ObjectReference": {
    "description": "ObjectReference contains enough information to let you inspect or modify the referred object.",
    "properties": {
      "apiVersion": {
        "description": "API version of the referent.",
        "type": "string"
      },
      "fieldPath": {
        "description": "If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2]. For example, if the object reference is to a container within a pod, this would take on a value like: \"spec.containers{name}\" (where \"name\" refers to the name of the container that triggered the event) or if no container name is specified \"spec.containers[2]\" (container with index 2 in this pod). This syntax is chosen only to have some well-defined way of referencing a part of an object.",
        "type": "string"
      },
      "kind": {
        "description": "Kind of the referent. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds",
        "type": "string"
      },
      "name": {
        "description": "Name of the referent. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#names",
        "type": "string"
      },
      "namespace": {
        "description": "Namespace of the referent. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/",
        "type": "string"
      },
      "resourceVersion": {
        "description": "Specific resourceVersion to which this reference is made, if any. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#concurrency-control-and-consistency",
        "type": "string"
      },
      "uid": {
        "description": "UID of the referent. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#uids",
        "type": "string"
      }
    },
    "type": "object",
    "x-kubernetes-map-type": "atomic"
  },
  "io.k8s.apimachinery.pkg.api.resource.Quantity": {
    "description": "Quantity is a fixed-point representation of a number. It provides convenient marshaling/unmarshaling in JSON and YAML, in addition to String() and AsInt64() accessors.\n\nThe serialization format is:\n\n``` <quantity>        ::= <signedNumber><suffix>\n\n\t(Note that <suffix> may be empty, from the \"\" case in <decimalSI>.)\n\n<digit>           ::= 0 | 1 | ... | 9 <digits>          ::= <digit> | <digit><digits> <number>          ::= <digits> | <digits>.<digits> | <digits>. | .<digits> <sign>            ::= \"+\" | \"-\" <signedNumber>    ::= <number> | <sign><number> <suffix>          ::= <binarySI> | <decimalExponent> | <decimalSI> <binarySI>        ::= Ki | Mi | Gi | Ti | Pi | Ei\n\n\t(International System of units; See: http://physics.nist.gov/cuu/Units/binary.html)\n\n<decimalSI>       ::= m | \"\" | k | M | G | T | P | E\n\n\t(Note that 1024 = 1Ki but 1000 = 1k; I didn't choose the capitalization.)\n\n<decimalExponent> ::= \"e\" <signedNumber> | \"E\" <signedNumber> ```\n\nNo matter which of the three exponent forms is used, no quantity may represent a number greater than 2^63-1 in magnitude, nor may it have more than 3 decimal places. Numbers larger or more precise will be capped or rounded up. (E.g.: 0.1m will rounded up to 1m.) This may be extended in the future if we require larger or smaller quantities.\n\nWhen a Quantity is parsed from a string, it will remember the type of suffix it had, and will use the same type again when it is serialized.\n\nBefore serializing, Quantity will be put in \"canonical form\". This means that Exponent/suffix will be adjusted up or down (with a corresponding increase or decrease in Mantissa) such that:\n\n- No precision is lost - No fractional digits will be emitted - The exponent (or suffix) is as large as possible.\n\nThe sign will be omitted unless the number is negative.\n\nExamples:\n\n- 1.5 will be serialized as \"1500m\" - 1.5Gi will be serialized as \"1536Mi\"\n\nNote that the quantity will NEVER be internally represented by a floating point number. That is the whole point of this exercise.\n\nNon-canonical values will still parse as long as they are well formed, but will be re-emitted in their canonical form. (So always use canonical form, or don't diff.)\n\nThis format is intended to make it difficult to use these numbers without writing some sort of special handling code in the hopes that that will cause implementors to also use a fixed point implementation.",
    "type": "string"
  },
  "io.k8s.apimachinery.pkg.apis.meta.v1.APIResource": {
    "description": "APIResource specifies the name of a resource and whether it is namespaced.",
    "properties": {
      "categories": {
        "description": "categories is a list of the grouped resources this resource belongs to (e.g. 'all')",
        "items": {
          "type": "string"
        },
        "type": "array",
        "x-kubernetes-list-type": "atomic"
      },
      "group": {
        "description": "group is the preferred group of the resource.  Empty implies the group of the containing resource list. For subresources, this may have a different value, for example: Scale\".",
        "type": "string"
      },
      "kind": {
        "description": "kind is the kind for the resource (e.g. 'Foo' is the kind for a resource 'foo')",
        "type": "string"
      },
      "name": {
        "description": "name is the plural name of the resource.",
        "type": "string"
      },
      "namespaced": {
        "description": "namespaced indicates if a resource is namespaced or not.",
        "type": "boolean"
      },
      "shortNames": {
        "description": "shortNames is a list of suggested short names of the resource.",
        "items": {
          "type": "string"
        },
        "type": "array",
        "x-kubernetes-list-type": "atomic"
      },
      "singularName": {
        "description": "singularName is the singular name of the resource.  This allows clients to handle plural and singular opaquely. The singularName is more correct for reporting status on a single item and both singular and plural are allowed from the kubectl CLI interface.",
        "type": "string"
      },
      "storageVersionHash": {
        "description": "The hash value of the storage version, the version this resource is converted to when written to the data store. Value must be treated as opaque by clients. Only equality comparison on the value is valid. This is an alpha feature and may change or be removed in the future. The field is populated by the apiserver only if the StorageVersionHash feature gate is enabled. This field will remain optional even if it graduates.",
        "type": "string"
      },
      "verbs": {
        "description": "verbs is a list of supported kube verbs (this includes get, list, watch, create, update, patch, delete, deletecollection, and proxy)",
        "items": {
          "type": "string"
        },
        "type": "array"
      },
      "version": {
        "description": "version is the preferred version of the resource.  Empty implies the version of the containing resource list For subresources, this may have a different value, for example: v1 (while inside a v1beta1 version of the core resource's group)\".",
        "type": "string"
      }
    },
    "required": [
      "name",
      "singularName",
      "namespaced",
      "kind",
      "verbs"
    ],
    "type": "object"
  },
  "io.k8s.apimachinery.pkg.apis.meta.v1.APIResourceList": {
    "description": "APIResourceList is a list of APIResource, it is used to expose the name of the resources supported in a specific group and version, and if the resource is namespaced.",
    "properties": {
      "apiVersion": {
        "description": "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources",
        "type": "string"
      },
      "groupVersion": {
        "description": "groupVersion is the group and version this APIResourceList is for.",
        "type": "string"
      },
      "kind": {
        "description": "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds",
        "type": "string"
      },
      "resources": {
        "description": "resources contains the name of the resources and if they are namespaced.",
        "items": {
          "$ref": "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.APIResource"
        },
        "type": "array",
        "x-kubernetes-list-type": "atomic"
      }
    },
    "required": [
      "groupVersion",
      "resources"
    ],
    "type": "object",
    "x-kubernetes-group-version-kind": [
      {
        "group": "",
        "kind": "APIResourceList",
        "version": "v1"
      }
    ]
  },
  "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector": {
    "description": "A label selector is a label query over a set of resources. The result of matchLabels and matchExpressions are ANDed. An empty label selector matches all objects. A null label selector matches no objects.",
    "properties": {
      "matchExpressions": {
        "description": "matchExpressions is a list of label selector requirements. The requirements are ANDed.",
        "items": {
          "$ref": "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelectorRequirement"
        },
        "type": "array",
        "x-kubernetes-list-type": "atomic"
      },
      "matchLabels": {
        "additionalProperties": {
          "type": "string"
        },
        "description": "matchLabels is a map of {key,value} pairs. A single {key,value} in the matchLabels map is equivalent to an element of matchExpressions, whose key field is \"key\", the operator is \"In\", and the values array contains only \"value\". The requirements are ANDed.",
        "type": "object"
      }
    },
    "type": "object",
    "x-kubernetes-map-type": "atomic"
  },
  "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelectorRequirement": {
    "description": "A label selector requirement is a selector that contains values, a key, and an operator that relates the key and values.",
    "properties": {
      "key": {
        "description": "key is the label key that the selector applies to.",
        "type": "string"
      },
      "operator": {
        "description": "operator represents a key's relationship to a set of values. Valid operators are In, NotIn, Exists and DoesNotExist.",
        "type": "string"
      },
      "values": {
        "description": "values is an array of string values. If the operator is In or NotIn, the values array must be non-empty. If the operator is Exists or DoesNotExist, the values array must be empty. This array is replaced during a strategic merge patch.",
        "items": {
          "type": "string"
        },
        "type": "array",
        "x-kubernetes-list-type": "atomic"
      }
    },
    "required": [
      "key",
      "operator"
    ],
    "type": "object"
  },
  "io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta": {
    "description": "ListMeta describes metadata that synthetic resources must have, including lists and various status objects. A resource may have only one of {ObjectMeta, ListMeta}.",
    "properties": {
      "continue": {
        "description": "continue may be set if the user set a limit on the number of items returned, and indicates that the server has more data available. The value is opaque and may be used to issue another request to the endpoint that served this list to retrieve the next set of available objects. Continuing a consistent list may not be possible if the server configuration has changed or more than a few minutes have passed. The resourceVersion field returned when using this continue value will be identical to the value in the first response, unless you have received this token from an error message.",
        "type": "string"
      },
      "remainingItemCount": {
        "description": "remainingItemCount is the number of subsequent items in the list which are not included in this list response. If the list request contained label or field selectors, then the number of remaining items is unknown and the field will be left unset and omitted during serialization. If the list is complete (either because it is not chunking or because this is the last chunk), then there are no more remaining items and this field will be left unset and omitted during serialization. Servers older than v1.15 do not set this field. The intended use of the remainingItemCount is *estimating* the size of a collection. Clients should not rely on the remainingItemCount to be set or to be exact.",
        "format": "int64",
        "type": "integer"
      },
      "resourceVersion": {
        "description": "String that identifies the server's internal version of this object that can be used by clients to determine when objects have changed. Value must be treated as opaque by clients and passed unmodified back to the server. Populated by the system. Read-only. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#concurrency-control-and-consistency",
        "type": "string"
      },
      "selfLink": {
        "description": "Deprecated: selfLink is a legacy read-only field that is no longer populated by the system.",
        "type": "string"
      },
      "shardInfo": {
        "$ref": "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ShardInfo",
        "description": "shardInfo is set when the list is a filtered subset of the full collection, as selected by a shard selector on the request. It echoes back the selector so clients can verify which shard they received and merge sharded responses. Clients should not cache sharded list responses as a full representation of the collection.\n\nThis is an alpha field and requires enabling the ShardedListAndWatch feature gate."
      }
    },
    "type": "object"
  },
  "io.k8s.apimachinery.pkg.apis.meta.v1.ShardInfo": {
    "description": "ShardInfo describes the shard selector that was applied to produce a list response. Its presence on a list response indicates the list is a filtered subset.",
    "properties": {
      "selector": {
        "description": "selector is the shard selector string from the request, echoed back so clients can verify which shard they received and merge responses from multiple shards.",
        "type": "string"
      }
    },
    "required": [
      "selector"
    ],
    "type": "object"
  },
  "io.k8s.apimachinery.pkg.apis.meta.v1.Time": {
    "description": "Time is a wrapper around time.Time which supports correct marshaling to YAML and JSON.  Wrappers are provided for many of the factory methods that the time package offers.",
    "format": "date-time",
    "type": "string"
  }
};

/** k8s.io/metrics types. */
export const METRICS_DEFINITIONS: Readonly<Record<string, Schema>> = {
  "io.k8s.metrics.pkg.apis.custom_metrics.v1beta1.MetricValue": {
    "description": "MetricValue is a metric value for some object",
    "type": "object",
    "required": [
      "describedObject",
      "metricName",
      "timestamp",
      "value"
    ],
    "properties": {
      "apiVersion": {
        "description": "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources",
        "type": "string"
      },
      "describedObject": {
        "description": "a reference to the described object",
        "$ref": "#/definitions/io.k8s.api.core.v1.ObjectReference"
      },
      "kind": {
        "description": "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds",
        "type": "string"
      },
      "metricName": {
        "description": "the name of the metric",
        "type": "string"
      },
      "selector": {
        "description": "selector represents the label selector that could be used to select this metric, and will generally just be the selector passed in to the query used to fetch this metric. When left blank, only the metric's Name will be used to gather metrics.",
        "$ref": "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector"
      },
      "timestamp": {
        "description": "indicates the time at which the metrics were produced",
        "$ref": "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Time"
      },
      "value": {
        "description": "the value of the metric for this",
        "$ref": "#/definitions/io.k8s.apimachinery.pkg.api.resource.Quantity"
      },
      "window": {
        "description": "indicates the window ([Timestamp-Window, Timestamp]) from which these metrics were calculated, when returning rate metrics calculated from cumulative metrics (or zero for non-calculated instantaneous metrics).",
        "type": "integer",
        "format": "int64"
      }
    },
    "x-kubernetes-group-version-kind": [
      {
        "group": "custom.metrics.k8s.io",
        "kind": "MetricValue",
        "version": "v1beta1"
      }
    ]
  },
  "io.k8s.metrics.pkg.apis.custom_metrics.v1beta1.MetricValueList": {
    "description": "MetricValueList is a list of values for a given metric for some set of objects",
    "type": "object",
    "required": [
      "items"
    ],
    "properties": {
      "apiVersion": {
        "description": "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources",
        "type": "string"
      },
      "items": {
        "description": "the value of the metric across the described objects",
        "type": "array",
        "items": {
          "$ref": "#/definitions/io.k8s.metrics.pkg.apis.custom_metrics.v1beta1.MetricValue"
        }
      },
      "kind": {
        "description": "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds",
        "type": "string"
      },
      "metadata": {
        "$ref": "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta"
      }
    },
    "x-kubernetes-group-version-kind": [
      {
        "group": "custom.metrics.k8s.io",
        "kind": "MetricValueList",
        "version": "v1beta1"
      }
    ]
  },
  "io.k8s.metrics.pkg.apis.custom_metrics.v1beta2.MetricIdentifier": {
    "description": "MetricIdentifier identifies a metric by name and, optionally, selector",
    "type": "object",
    "required": [
      "name"
    ],
    "properties": {
      "name": {
        "description": "name is the name of the given metric",
        "type": "string"
      },
      "selector": {
        "description": "selector represents the label selector that could be used to select this metric, and will generally just be the selector passed in to the query used to fetch this metric. When left blank, only the metric's Name will be used to gather metrics.",
        "$ref": "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector"
      }
    }
  },
  "io.k8s.metrics.pkg.apis.custom_metrics.v1beta2.MetricValue": {
    "description": "MetricValue is the metric value for some object",
    "type": "object",
    "required": [
      "describedObject",
      "metric",
      "timestamp",
      "value"
    ],
    "properties": {
      "apiVersion": {
        "description": "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources",
        "type": "string"
      },
      "describedObject": {
        "description": "a reference to the described object",
        "$ref": "#/definitions/io.k8s.api.core.v1.ObjectReference"
      },
      "kind": {
        "description": "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds",
        "type": "string"
      },
      "metric": {
        "$ref": "#/definitions/io.k8s.metrics.pkg.apis.custom_metrics.v1beta2.MetricIdentifier"
      },
      "timestamp": {
        "description": "indicates the time at which the metrics were produced",
        "$ref": "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Time"
      },
      "value": {
        "description": "the value of the metric for this",
        "$ref": "#/definitions/io.k8s.apimachinery.pkg.api.resource.Quantity"
      },
      "windowSeconds": {
        "description": "indicates the window ([Timestamp-Window, Timestamp]) from which these metrics were calculated, when returning rate metrics calculated from cumulative metrics (or zero for non-calculated instantaneous metrics).",
        "type": "integer",
        "format": "int64"
      }
    },
    "x-kubernetes-group-version-kind": [
      {
        "group": "custom.metrics.k8s.io",
        "kind": "MetricValue",
        "version": "v1beta2"
      }
    ]
  },
  "io.k8s.metrics.pkg.apis.custom_metrics.v1beta2.MetricValueList": {
    "description": "MetricValueList is a list of values for a given metric for some set of objects",
    "type": "object",
    "required": [
      "items"
    ],
    "properties": {
      "apiVersion": {
        "description": "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources",
        "type": "string"
      },
      "items": {
        "description": "the value of the metric across the described objects",
        "type": "array",
        "items": {
          "$ref": "#/definitions/io.k8s.metrics.pkg.apis.custom_metrics.v1beta2.MetricValue"
        }
      },
      "kind": {
        "description": "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds",
        "type": "string"
      },
      "metadata": {
        "$ref": "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta"
      }
    },
    "x-kubernetes-group-version-kind": [
      {
        "group": "custom.metrics.k8s.io",
        "kind": "MetricValueList",
        "version": "v1beta2"
      }
    ]
  },
  "io.k8s.metrics.pkg.apis.external_metrics.v1beta1.ExternalMetricValue": {
    "description": "ExternalMetricValue is a metric value for external metric A single metric value is identified by metric name and a set of string labels. For one metric there can be multiple values with different sets of labels.",
    "type": "object",
    "required": [
      "metricName",
      "metricLabels",
      "timestamp",
      "value"
    ],
    "properties": {
      "apiVersion": {
        "description": "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources",
        "type": "string"
      },
      "kind": {
        "description": "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds",
        "type": "string"
      },
      "metricLabels": {
        "description": "a set of labels that identify a single time series for the metric",
        "type": "object",
        "additionalProperties": {
          "type": "string"
        }
      },
      "metricName": {
        "description": "the name of the metric",
        "type": "string"
      },
      "timestamp": {
        "description": "indicates the time at which the metrics were produced",
        "$ref": "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Time"
      },
      "value": {
        "description": "the value of the metric",
        "$ref": "#/definitions/io.k8s.apimachinery.pkg.api.resource.Quantity"
      },
      "window": {
        "description": "indicates the window ([Timestamp-Window, Timestamp]) from which these metrics were calculated, when returning rate metrics calculated from cumulative metrics (or zero for non-calculated instantaneous metrics).",
        "type": "integer",
        "format": "int64"
      }
    },
    "x-kubernetes-group-version-kind": [
      {
        "group": "external.metrics.k8s.io",
        "kind": "ExternalMetricValue",
        "version": "v1beta1"
      }
    ]
  },
  "io.k8s.metrics.pkg.apis.external_metrics.v1beta1.ExternalMetricValueList": {
    "description": "ExternalMetricValueList is a list of values for a given metric for some set labels",
    "type": "object",
    "required": [
      "items"
    ],
    "properties": {
      "apiVersion": {
        "description": "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources",
        "type": "string"
      },
      "items": {
        "description": "value of the metric matching a given set of labels",
        "type": "array",
        "items": {
          "$ref": "#/definitions/io.k8s.metrics.pkg.apis.external_metrics.v1beta1.ExternalMetricValue"
        }
      },
      "kind": {
        "description": "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds",
        "type": "string"
      },
      "metadata": {
        "$ref": "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta"
      }
    },
    "x-kubernetes-group-version-kind": [
      {
        "group": "external.metrics.k8s.io",
        "kind": "ExternalMetricValueList",
        "version": "v1beta1"
      }
    ]
  }
};
