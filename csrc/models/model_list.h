// Every neuron model, one line each: BT_NEURON_MODEL(Declaration, header under
// include/braintorch/models/neurons/). cmake/NeuronModels.cmake reads this file and compiles one CPU
// and one CUDA translation unit per line; the registry (registry.cpp) registers each declaration's
// BrainPy names. Adding a model is its header plus a line here.
BT_NEURON_MODEL(IF, if)
BT_NEURON_MODEL(Lif, lif)
BT_NEURON_MODEL(ExpIF, exp_if)
BT_NEURON_MODEL(AdExIF, adex_if)
BT_NEURON_MODEL(QuaIF, qua_if)
BT_NEURON_MODEL(AdQuaIF, ad_qua_if)
BT_NEURON_MODEL(Gif, gif)
BT_NEURON_MODEL(Izhikevich, izhikevich)
BT_NEURON_MODEL(ALIFBellec2020, alif_bellec2020)
BT_NEURON_MODEL(HH, hh)
BT_NEURON_MODEL(MorrisLecar, morris_lecar)
BT_NEURON_MODEL(WangBuzsakiHH, wang_buzsaki_hh)
BT_NEURON_MODEL(TraubMilesHH, traub_miles_hh)
